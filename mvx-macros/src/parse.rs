//! The macros' arguments: a sync mode (`data(buf, len)` or `ret`), then for the function-like
//! macro `=> [-> Type] { block }`.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{token, Block, Error, Expr, Ident, Token, Type};

/// What a region synchronises once its body has run.
pub enum Mode {
    /// `data(buf, len)`: the first `len` elements of the buffer `buf`.
    Data { buf: Box<Expr>, len: Box<Expr> },
    /// `ret`: the region's result, which must be `Copy`.
    Ret,
}

const MODES: &str = "expected `data(buf, len)` or `ret`";

impl Parse for Mode {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if !input.peek(Ident::peek_any) {
            // At the end of the input this points at the whole attribute or macro call.
            return Err(input.error(format!(
                "{MODES}: the sync mode (`data(buf, len)` syncs the first `len` elements of \
                 `buf`, `ret` syncs the return value)"
            )));
        }
        let keyword = input.call(Ident::parse_any)?;
        match keyword.to_string().as_str() {
            "data" => parse_data(&keyword, input),
            "ret" => {
                if input.peek(token::Paren) {
                    let group: proc_macro2::Group = input.parse()?;
                    return Err(Error::new(
                        group.span(),
                        "`ret` takes no arguments: it syncs the return value (write `ret`)",
                    ));
                }
                Ok(Mode::Ret)
            }
            other => Err(Error::new_spanned(
                &keyword,
                format!("unknown mvx_sync mode `{other}`: {MODES}"),
            )),
        }
    }
}

fn parse_data(keyword: &Ident, input: ParseStream) -> syn::Result<Mode> {
    if !input.peek(token::Paren) {
        return Err(Error::new_spanned(
            keyword,
            "`data` needs the buffer and its length: expected `data(buf, len)`",
        ));
    }
    let content;
    let parens = syn::parenthesized!(content in input);
    let args = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
    let mut args = args.into_iter();
    match (args.next(), args.next()) {
        (None, _) => Err(Error::new(
            parens.span.join(),
            "`data` needs two arguments: expected `data(buf, len)`, the buffer and the number \
             of its elements to sync",
        )),
        (Some(buf), None) => Err(Error::new_spanned(
            buf,
            "`data` is missing the length: expected `data(buf, len)`, where `len` counts \
             elements of `buf`",
        )),
        (Some(buf), Some(len)) => {
            let extra: Vec<Expr> = args.collect();
            if !extra.is_empty() {
                return Err(Error::new_spanned(
                    quote::quote!(#(#extra),*),
                    "too many arguments: `data` takes exactly two, `data(buf, len)`",
                ));
            }
            Ok(Mode::Data {
                buf: Box::new(buf),
                len: Box::new(len),
            })
        }
    }
}

/// The arguments of `#[mvx_sync(...)]`: one mode, an optional trailing comma, nothing else.
pub struct AttrArgs {
    pub mode: Mode,
}

impl Parse for AttrArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mode: Mode = input.parse()?;
        if input.peek(Token![,]) && input.peek2(syn::parse::End) {
            input.parse::<Token![,]>()?;
        }
        if !input.is_empty() {
            let rest: TokenStream = input.parse()?;
            return Err(Error::new_spanned(
                rest,
                "unexpected tokens: `#[mvx_sync]` takes exactly one mode, `data(buf, len)` or \
                 `ret`",
            ));
        }
        Ok(AttrArgs { mode })
    }
}

/// The input of `mvx_sync_block!(MODE => [-> Type] { ... })`.
pub struct BlockArgs {
    pub mode: Mode,
    pub ret_ty: Option<Type>,
    pub block: Block,
}

const BLOCK_SYNTAX: &str =
    "`mvx_sync_block!(data(buf, len) => { ... })` or `mvx_sync_block!(ret => { ... })`";

impl Parse for BlockArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mode: Mode = input.parse()?;
        if !input.peek(Token![=>]) {
            return Err(input.error(format!(
                "expected `=>` and a block after the mode, as in {BLOCK_SYNTAX}"
            )));
        }
        input.parse::<Token![=>]>()?;
        let ret_ty = if input.peek(Token![->]) {
            input.parse::<Token![->]>()?;
            Some(input.parse::<Type>()?)
        } else {
            None
        };
        if !input.peek(token::Brace) {
            return Err(input.error(format!(
                "expected a block `{{ ... }}` after `=>`, as in {BLOCK_SYNTAX}"
            )));
        }
        let block: Block = input.parse()?;
        if !input.is_empty() {
            let rest: TokenStream = input.parse()?;
            return Err(Error::new_spanned(
                rest,
                "unexpected tokens after the block: `mvx_sync_block!` takes one mode and one block",
            ));
        }
        Ok(BlockArgs {
            mode,
            ret_ty,
            block,
        })
    }
}
