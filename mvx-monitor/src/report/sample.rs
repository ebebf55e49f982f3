//! A known divergence for the renderers' tests: two variants writing different text, in a
//! thread of the first process, after output that tries to inject markup.

use super::*;

const INJECTED: &str = r#"write(1, "<script>alert('x')</script>&amp;", 34) = 34"#;

fn view(index: usize, text: &[u8]) -> VariantView {
    let quoted = crate::decode::quote(text);
    VariantView {
        index,
        pid: 102 + index as i32,
        host: None,
        program: format!("/bin/diverge-{index}"),
        syscall: Some(SyscallView {
            name: "write".into(),
            text: format!("write(1, {quoted}, {})", text.len()),
            args: vec!["1".into(), quoted.clone(), text.len().to_string()],
            buffers: vec![BufferView::new(1, text)],
        }),
        status: "at syscall entry".into(),
        history: vec![
            format!("brk(NULL) = {}", 93824992235520u64 + index as u64 * 4096),
            INJECTED.into(),
            format!("write(1, {quoted}, {}) = ?", text.len()),
        ],
    }
}

pub fn sample_report() -> Report {
    Report {
        outcome: Outcome::Divergence,
        exit_status: 86,
        variants: vec!["/bin/diverge-0".into(), "/bin/diverge-1".into()],
        syscalls: 42,
        syscalls_by_name: vec![("write".into(), 2), ("brk".into(), 1)],
        unpaired_by_name: vec![],
        rules_used: vec![],
        answered_on_follower_hosts: vec![],
        warnings: vec!["a <b>warning</b>".into()],
        signals: SignalStats::default(),
        divergence: Some(Divergence {
            kind: DivergenceKind::ArgumentMismatch,
            message: "write: argument 2 differs".into(),
            syscall: Some("write".into()),
            group: "thread 102 of process 100".into(),
            group_id: Some(1),
            variants: vec![
                view(0, b"hello from variant A\n"),
                view(1, b"hello from variant B\n"),
            ],
        }),
        run: RunInfo {
            mvx_version: "0.1.0".into(),
            command_line: ["mvx", "run", "--report", "r.json", "--", "prog", "a b"]
                .map(String::from)
                .to_vec(),
            program_argv: vec!["prog".into(), "a b".into()],
            level: "strict".into(),
            policy: "kill".into(),
            rules: vec![],
        },
        tree: vec![
            GroupNode {
                id: 0,
                parent: None,
                thread: false,
                pids: vec![100, 101],
                state: "in syscall".into(),
                diverged: false,
            },
            GroupNode {
                id: 1,
                parent: Some(0),
                thread: true,
                pids: vec![102, 103],
                state: "at syscall entry".into(),
                diverged: true,
            },
        ],
        tree_omitted: 0,
    }
}
