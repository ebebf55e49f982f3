//! The rules language, parsed with winnow: one rule per line, `#` starts a comment.
//!
//! ```text
//! variant 1 may call mmap, munmap alone        # extra calls, run for that variant alone
//! any variant may call getrandom alone
//! ignore argument 3 of mprotect                # arguments count from 1, as in reports
//! mask argument 4 of mmap with 0xffff          # compare only these bits
//! path "/opt/v1/lib.so" in variant 1 is "/opt/lib.so"
//! variant 1 calls mmap, mprotect where the leader calls mmap   # equivalent sequences
//! ```
//!
//! Variant selectors: `variant N`, `variants N, M`, `any variant`, `the leader`.

use winnow::ascii::{dec_uint, hex_uint, space0, space1};
use winnow::combinator::{alt, cut_err, delimited, eof, opt, preceded, separated, terminated};
use winnow::error::{ContextError, ErrMode, StrContext, StrContextValue};
use winnow::prelude::*;
use winnow::token::{literal, take_till, take_while};

/// Which variants a rule is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Variants {
    Any,
    These(Vec<usize>),
}

/// A syscall name as written, with its column (0-based byte offset in the line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub column: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// The variants may make these calls where the others do not; each runs for its caller
    /// alone.
    Alone {
        variants: Variants,
        calls: Vec<Name>,
    },
    /// Argument `arg` (from 1) of `call` is not compared.
    Ignore { arg: usize, call: Name },
    /// Only the bits of `mask` of argument `arg` of `call` are compared.
    Mask { arg: usize, call: Name, mask: u64 },
    /// Where the leader makes the calls `leader`, the variants make the calls `theirs`.
    Sequence {
        variants: Variants,
        theirs: Vec<Name>,
        leader: Vec<Name>,
    },
    /// Where the leader names `leader`, the variants name `theirs`.
    Path {
        theirs: String,
        variants: Variants,
        leader: String,
    },
}

/// A rule and the line (from 1) it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub line: usize,
    pub rule: Rule,
}

/// A syntax error: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    /// From 1.
    pub column: usize,
    pub message: String,
    pub text: String,
}

/// Parses a whole rules file.
pub fn parse(source: &str) -> Result<Vec<Located>, SyntaxError> {
    let mut rules = Vec::new();
    for (i, text) in source.lines().enumerate() {
        let rule = line.parse(text).map_err(|e| {
            let indent = text.len() - text.trim_start().len();
            SyntaxError {
                line: i + 1,
                column: e.offset() + 1,
                message: describe(e.inner(), e.offset() == indent),
                text: text.to_string(),
            }
        })?;
        if let Some(mut rule) = rule {
            fix_columns(&mut rule, text);
            rules.push(Located { line: i + 1, rule });
        }
    }
    Ok(rules)
}

/// What was expected where the parse stopped: the innermost expectation, or the outermost
/// (what a rule looks like) when not even the start of a rule matched.
fn describe(e: &ContextError, at_start: bool) -> String {
    let expected: Vec<String> = e
        .context()
        .filter_map(|c| match c {
            StrContext::Expected(v) => Some(v.to_string()),
            _ => None,
        })
        .collect();
    let label = e.context().find_map(|c| match c {
        StrContext::Label(l) => Some(*l),
        _ => None,
    });
    let wanted = if at_start {
        expected.last()
    } else {
        expected.first()
    };
    match (label, wanted) {
        (Some(l), Some(w)) if !at_start => format!("in {l}: expected {w}"),
        (_, Some(w)) => format!("expected {w}"),
        (Some(l), None) => format!("malformed {l}"),
        (None, None) => "not a rule".into(),
    }
}

/// Names are parsed as slices of the line: their column is where the slice starts.
fn fix_columns(rule: &mut Rule, line: &str) {
    let fix = |n: &mut Name| {
        let offset = n.column.wrapping_sub(line.as_ptr() as usize);
        n.column = offset.min(line.len());
    };
    match rule {
        Rule::Alone { calls, .. } => calls.iter_mut().for_each(fix),
        Rule::Ignore { call, .. } | Rule::Mask { call, .. } => fix(call),
        Rule::Sequence { theirs, leader, .. } => {
            theirs.iter_mut().chain(leader.iter_mut()).for_each(fix)
        }
        Rule::Path { .. } => {}
    }
}

fn expected(what: &'static str) -> StrContext {
    StrContext::Expected(StrContextValue::Description(what))
}

/// One line: blank, a comment, or a rule with an optional comment after it.
fn line(input: &mut &str) -> winnow::ModalResult<Option<Rule>> {
    space0.parse_next(input)?;
    let rule = if input.is_empty() || input.starts_with('#') {
        None
    } else {
        Some(
            cut_err(terminated(rule, space0))
                .context(expected(
                    "a rule: `variant N may call ... alone`, `ignore argument K of CALL`, \
                     `mask argument K of CALL with BITS` or `path \"P\" in variant N is \"Q\"`",
                ))
                .parse_next(input)?,
        )
    };
    let _ = opt(preceded('#', take_till(0.., |_| false))).parse_next(input)?;
    eof.context(expected("the end of the line or a `#` comment"))
        .parse_next(input)?;
    Ok(rule)
}

fn rule(input: &mut &str) -> winnow::ModalResult<Rule> {
    alt((ignore, mask, path, alone)).parse_next(input)
}

fn word<'i>(w: &'static str) -> impl Parser<&'i str, &'i str, ErrMode<ContextError>> {
    terminated(literal(w), alt((space1, eof)))
        .context(StrContext::Expected(StrContextValue::StringLiteral(w)))
}

fn number(input: &mut &str) -> winnow::ModalResult<usize> {
    terminated(dec_uint::<_, u64, _>, space0)
        .map(|n| n as usize)
        .context(expected("a number"))
        .parse_next(input)
}

fn call_name(input: &mut &str) -> winnow::ModalResult<Name> {
    terminated(
        take_while(1.., |c: char| c.is_ascii_alphanumeric() || c == '_'),
        space0,
    )
    .map(|s: &str| Name {
        text: s.to_string(),
        column: s.as_ptr() as usize,
    })
    .context(expected("a syscall name"))
    .parse_next(input)
}

fn variants(input: &mut &str) -> winnow::ModalResult<Variants> {
    alt((
        (word("any"), word("variant")).map(|_| Variants::Any),
        (word("the"), word("leader")).map(|_| Variants::These(vec![0])),
        preceded(
            alt((word("variants"), word("variant"))),
            cut_err(separated(1.., number, (',', space0))),
        )
        .map(Variants::These),
    ))
    .context(expected(
        "`variant N`, `variants N, M`, `any variant` or `the leader`",
    ))
    .parse_next(input)
}

fn alone(input: &mut &str) -> winnow::ModalResult<Rule> {
    let variants = variants(input)?;
    if opt(word("calls")).parse_next(input)?.is_some() {
        return sequence(variants, input);
    }
    let calls = preceded(
        cut_err((word("may"), word("call"))),
        cut_err(terminated(
            separated(1.., call_name, (',', space0)),
            word("alone"),
        )),
    )
    .context(StrContext::Label("an extra-call rule"))
    .parse_next(input)?;
    Ok(Rule::Alone { variants, calls })
}

fn call_list(input: &mut &str) -> winnow::ModalResult<Vec<Name>> {
    separated(1.., call_name, (',', space0)).parse_next(input)
}

/// `variant N calls A, B where the leader calls C` (after `calls`).
fn sequence(variants: Variants, input: &mut &str) -> winnow::ModalResult<Rule> {
    cut_err((
        call_list,
        preceded(
            (word("where"), word("the"), word("leader"), word("calls")),
            call_list,
        ),
    ))
    .map(|(theirs, leader)| Rule::Sequence {
        variants: variants.clone(),
        theirs,
        leader,
    })
    .context(StrContext::Label("a sequence rule"))
    .parse_next(input)
}

fn ignore(input: &mut &str) -> winnow::ModalResult<Rule> {
    preceded(
        (word("ignore"), word("argument")),
        cut_err((number, preceded(word("of"), call_name))),
    )
    .map(|(arg, call)| Rule::Ignore { arg, call })
    .context(StrContext::Label("an ignore rule"))
    .parse_next(input)
}

fn mask(input: &mut &str) -> winnow::ModalResult<Rule> {
    preceded(
        (word("mask"), word("argument")),
        cut_err((
            number,
            preceded(word("of"), call_name),
            preceded(word("with"), mask_value),
        )),
    )
    .map(|(arg, call, mask)| Rule::Mask { arg, call, mask })
    .context(StrContext::Label("a mask rule"))
    .parse_next(input)
}

fn mask_value(input: &mut &str) -> winnow::ModalResult<u64> {
    terminated(
        alt((preceded(alt(("0x", "0X")), hex_uint), dec_uint)),
        space0,
    )
    .context(expected("a number (0x... or decimal)"))
    .parse_next(input)
}

fn quoted(input: &mut &str) -> winnow::ModalResult<String> {
    terminated(delimited('"', take_till(0.., '"'), '"'), space0)
        .map(str::to_string)
        .context(expected("a quoted path"))
        .parse_next(input)
}

fn path(input: &mut &str) -> winnow::ModalResult<Rule> {
    preceded(
        word("path"),
        cut_err((
            quoted,
            preceded(word("in"), variants),
            preceded(word("is"), quoted),
        )),
    )
    .map(|(theirs, variants, leader)| Rule::Path {
        theirs,
        variants,
        leader,
    })
    .context(StrContext::Label("a path rule"))
    .parse_next(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_kind_of_rule_parses() {
        let rules = parse(
            "# a comment\n\
             \n\
             variant 1 may call mmap, munmap alone   # after a rule\n\
             any variant may call getrandom alone\n\
             variants 1, 2 may call madvise alone\n\
             the leader may call brk alone\n\
             ignore argument 3 of mprotect\n\
             mask argument 4 of mmap with 0xff\n\
             path \"/opt/v1/lib.so\" in variant 1 is \"/opt/lib.so\"\n\
             variant 1 calls mmap, mprotect where the leader calls mmap\n",
        )
        .unwrap();
        assert_eq!(rules.len(), 8);
        match &rules[7].rule {
            Rule::Sequence {
                variants,
                theirs,
                leader,
            } => {
                assert_eq!(*variants, Variants::These(vec![1]));
                let t: Vec<&str> = theirs.iter().map(|c| c.text.as_str()).collect();
                let l: Vec<&str> = leader.iter().map(|c| c.text.as_str()).collect();
                assert_eq!((t, l), (vec!["mmap", "mprotect"], vec!["mmap"]));
                assert_eq!(leader[0].column, 54);
            }
            r => panic!("{r:?}"),
        }
        assert_eq!(rules[0].line, 3);
        match &rules[0].rule {
            Rule::Alone { variants, calls } => {
                assert_eq!(*variants, Variants::These(vec![1]));
                let got: Vec<String> = calls.iter().map(|c| c.text.clone()).collect();
                assert_eq!(got, names(&["mmap", "munmap"]));
                assert_eq!(calls[0].column, 19);
                assert_eq!(calls[1].column, 25);
            }
            r => panic!("{r:?}"),
        }
        assert!(matches!(
            &rules[1].rule,
            Rule::Alone {
                variants: Variants::Any,
                ..
            }
        ));
        assert!(
            matches!(&rules[2].rule, Rule::Alone { variants: Variants::These(v), .. } if *v == vec![1, 2])
        );
        assert!(
            matches!(&rules[3].rule, Rule::Alone { variants: Variants::These(v), .. } if *v == vec![0])
        );
        assert!(matches!(&rules[4].rule, Rule::Ignore { arg: 3, call } if call.text == "mprotect"));
        assert!(matches!(
            &rules[5].rule,
            Rule::Mask {
                arg: 4,
                mask: 0xff,
                ..
            }
        ));
        assert_eq!(
            rules[6].rule,
            Rule::Path {
                theirs: "/opt/v1/lib.so".into(),
                variants: Variants::These(vec![1]),
                leader: "/opt/lib.so".into()
            }
        );
    }

    #[test]
    fn errors_give_the_line_and_column_and_what_was_expected() {
        let e = parse("variant 1 may call mmap\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 24), "{e:?}");
        assert!(e.message.contains("alone"), "{e:?}");

        let e = parse("\nignore argument x of write\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 17), "{e:?}");
        assert!(e.message.contains("a number"), "{e:?}");

        let e = parse("mask argument 2 of mmap with zz\n").unwrap_err();
        assert_eq!(e.column, 30, "{e:?}");

        let e = parse("path \"/a\" in variant 1 is /b\n").unwrap_err();
        assert!(e.message.contains("quoted path"), "{e:?}");

        let e = parse("allow everything\n").unwrap_err();
        assert_eq!(e.column, 1, "{e:?}");
        assert!(e.message.contains("a rule: "), "{e:?}");

        let e = parse("variant 1 calls mmap where leader calls mmap\n").unwrap_err();
        assert!(
            e.message.contains("in a sequence rule: expected `the`"),
            "{e:?}"
        );

        let e = parse("variant 1 may cal mmap alone\n").unwrap_err();
        assert_eq!(e.column, 15, "{e:?}");
        assert!(e.message.contains("`call`"), "{e:?}");

        let e = parse("ignore argument 1 of write extra\n").unwrap_err();
        assert!(e.message.contains("end of the line"), "{e:?}");
    }
}
