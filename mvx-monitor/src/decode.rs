//! Turning captured syscalls into strace-like text for people.

use crate::capture::{Captured, Value};
use crate::table::{self, Arg};

/// How many bytes of a buffer are shown before eliding the rest.
const SHOWN_BYTES: usize = 64;

/// `write(1, "hello\n", 6)`.
pub fn syscall_text(c: &Captured) -> String {
    let spec = table::lookup(c.raw.nr);
    let args: Vec<String> = c
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let kind = spec
                .and_then(|s| s.args.get(i))
                .map(|a| a.resolve(&c.raw.args));
            arg_text(kind, v)
        })
        .collect();
    format!("{}({})", table::name_of(c.raw.nr), args.join(", "))
}

pub fn arg_text(kind: Option<Arg>, v: &Value) -> String {
    match (kind, v) {
        (Some(Arg::DirFd), Value::Int(v)) if *v as i32 == libc::AT_FDCWD => "AT_FDCWD".into(),
        (Some(Arg::Flags), Value::Int(v)) => format!("{v:#x}"),
        (Some(Arg::Signal), Value::Int(v)) => signal_name(*v as i32),
        (None, Value::Int(v)) => format!("{v:#x}"),
        (_, Value::Int(v)) => (*v as i64).to_string(),
        (_, Value::Ignored(v)) => (*v as i32).to_string(),
        (_, Value::Ptr(0)) | (_, Value::Out(0)) => "NULL".into(),
        (_, Value::Ptr(p)) | (_, Value::Out(p)) => format!("{p:#x}"),
        (_, Value::Unreadable(p)) => format!("{p:#x} (unreadable)"),
        (_, Value::Bytes(b)) => quote(b),
        (_, Value::Strings(list)) => {
            let shown: Vec<String> = list.iter().take(16).map(|s| quote(s)).collect();
            let more = if list.len() > 16 { ", ..." } else { "" };
            format!("[{}{more}]", shown.join(", "))
        }
    }
}

/// A C-style quoted, escaped and (if long) elided rendering of bytes.
pub fn quote(b: &[u8]) -> String {
    let mut s = String::from("\"");
    for &c in b.iter().take(SHOWN_BYTES) {
        match c {
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push('"');
    if b.len() > SHOWN_BYTES {
        s.push_str(&format!("... ({} bytes)", b.len()));
    }
    s
}

pub fn signal_name(sig: i32) -> String {
    match nix::sys::signal::Signal::try_from(sig) {
        Ok(s) => s.as_str().to_string(),
        Err(_) => sig.to_string(),
    }
}

/// `-2 (ENOENT)` for errors, the number otherwise.
pub fn ret_text(ret: i64) -> String {
    if (-4095..0).contains(&ret) {
        let e = nix::errno::Errno::from_raw(-ret as i32);
        format!("-1 {e:?} ({})", e.desc())
    } else {
        ret.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracee::RawCall;

    #[test]
    fn decodes_a_write() {
        let c = Captured {
            raw: RawCall {
                nr: libc::SYS_write as u64,
                args: [1, 0x1000, 6, 0, 0, 0],
            },
            values: vec![
                Value::Int(1),
                Value::Bytes(b"hello\n".to_vec()),
                Value::Int(6),
            ],
        };
        assert_eq!(syscall_text(&c), r#"write(1, "hello\n", 6)"#);
    }

    #[test]
    fn elides_long_buffers_and_escapes_binary() {
        let q = quote(&[0u8; 100]);
        assert!(q.starts_with("\"\\x00"));
        assert!(q.ends_with("... (100 bytes)"));
    }

    #[test]
    fn decodes_errors() {
        assert_eq!(ret_text(-2), "-1 ENOENT (No such file or directory)");
        assert_eq!(ret_text(3), "3");
    }
}
