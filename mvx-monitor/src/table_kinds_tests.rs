//! Capture and decoding of the table's irregular argument kinds, on calls made with pointers
//! into this process's own memory (read the way a variant's is).

use crate::table::lookup;
use syscalls::Sysno;

/// Captures a call made with pointers into this process's own memory (read the way a
/// variant's is) and decodes it.
fn captured(nr: Sysno, args: [u64; 6]) -> (crate::capture::Captured, String) {
    let me = crate::tracee::Tracee::new(nix::unistd::getpid());
    let spec = lookup(nr.id() as u64).unwrap();
    let raw = crate::tracee::RawCall {
        nr: nr.id() as u64,
        args,
    };
    let c = crate::capture::capture(&me, spec, raw);
    let text = crate::decode::syscall_text(&c);
    (c, text)
}

fn addr<T: ?Sized>(x: &T) -> u64 {
    x as *const T as *const u8 as u64
}

#[test]
fn decoded_sendmmsg_shows_each_message() {
    let (a, b) = (*b"first", *b"second!");
    let iov = [
        libc::iovec {
            iov_base: a.as_ptr() as *mut _,
            iov_len: a.len(),
        },
        libc::iovec {
            iov_base: b.as_ptr() as *mut _,
            iov_len: b.len(),
        },
    ];
    // SAFETY: all-zero mmsghdrs are valid.
    let mut msgs: [libc::mmsghdr; 2] = unsafe { std::mem::zeroed() };
    for (k, m) in msgs.iter_mut().enumerate() {
        m.msg_hdr.msg_iov = &iov[k] as *const _ as *mut _;
        m.msg_hdr.msg_iovlen = 1;
        m.msg_len = 0xdead_beef; // written by the kernel: not compared
    }
    let (c, text) = captured(Sysno::sendmmsg, [3, addr(&msgs), 2, 0, 0, 0]);
    assert_eq!(
        text,
        r#"sendmmsg(3, ["", "first", "", "\x00\x00\x00\x00", "", "second!", "", "\x00\x00\x00\x00"], 2, 0x0)"#
    );
    // Different message bytes in a follower are a difference; msg_len is not.
    msgs[1].msg_len = 7;
    let (same, _) = captured(Sysno::sendmmsg, [3, addr(&msgs), 2, 0, 0, 0]);
    assert!(c.values[1].equivalent(&same.values[1]));
    let b2 = *b"secOnd!";
    let iov2 = libc::iovec {
        iov_base: b2.as_ptr() as *mut _,
        iov_len: b2.len(),
    };
    msgs[1].msg_hdr.msg_iov = &iov2 as *const _ as *mut _;
    let (other, _) = captured(Sysno::sendmmsg, [3, addr(&msgs), 2, 0, 0, 0]);
    assert!(!c.values[1].equivalent(&other.values[1]));
}

#[test]
fn decoded_sysv_calls() {
    // struct msgbuf: a long mtype, then msgsz bytes.
    let mut msg = 7i64.to_ne_bytes().to_vec();
    msg.extend(b"hi there");
    let (_, text) = captured(Sysno::msgsnd, [32768, addr(msg.as_slice()), 8, 0, 0, 0]);
    assert_eq!(
        text,
        r#"msgsnd(32768, "\x07\x00\x00\x00\x00\x00\x00\x00hi there", 8, 0x0)"#
    );
    // struct sembuf[2]: num, op, flg (shorts).
    let ops: [i16; 6] = [0, -1, 0x1000, 1, 1, 0];
    let (c, _) = captured(Sysno::semop, [5, addr(&ops), 2, 0, 0, 0]);
    assert_eq!(
        c.values[1],
        crate::capture::Value::Bytes(ops.iter().flat_map(|o| o.to_ne_bytes()).collect())
    );
    // semctl(SETVAL): the fourth argument is the value itself; IPC_RMID ignores it.
    let (_, text) = captured(Sysno::semctl, [5, 1, 16, 0x7ffd_0000_0000 | 42, 0, 0]);
    assert_eq!(text, "semctl(5, 1, 16, 42)");
    let (c, _) = captured(Sysno::semctl, [5, 0x7fff_1234, 0, 0x7fff_5678, 0, 0]);
    assert!(matches!(c.values[3], crate::capture::Value::Ignored(_)));
    let (other, _) = captured(Sysno::semctl, [5, 0x7fff_9999, 0, 0x7fff_0000, 0, 0]);
    assert!(c
        .values
        .iter()
        .zip(&other.values)
        .all(|(a, b)| a.equivalent(b)));
}

#[test]
fn decoded_timex_ignores_fields_the_kernel_does_not_read() {
    // ntp_gettime: modes = 0 and the rest uninitialised.
    let mut a = [0xaau8; 208];
    let mut b = [0x55u8; 208];
    a[..4].fill(0);
    b[..4].fill(0);
    let (ca, _) = captured(Sysno::adjtimex, [addr(&a), 0, 0, 0, 0, 0]);
    let (cb, _) = captured(Sysno::adjtimex, [addr(&b), 0, 0, 0, 0, 0]);
    assert!(ca.values[0].equivalent(&cb.values[0]));
    // ADJ_FREQUENCY: the frequency is read.
    a[..4].copy_from_slice(&2u32.to_ne_bytes());
    b[..4].copy_from_slice(&2u32.to_ne_bytes());
    let (ca, _) = captured(Sysno::adjtimex, [addr(&a), 0, 0, 0, 0, 0]);
    let (cb, _) = captured(Sysno::adjtimex, [addr(&b), 0, 0, 0, 0, 0]);
    assert!(!ca.values[0].equivalent(&cb.values[0]));
}

#[test]
fn decoded_seccomp_filter_compares_the_program() {
    let prog: [u64; 2] = [0x0000_0000_0000_0020, 0x7fff_0000_0000_0006];
    let fprog = (prog.len() as u64, addr(&prog));
    let (c, text) = captured(Sysno::seccomp, [1, 0, addr(&fprog), 0, 0, 0]);
    assert!(
        text.starts_with("seccomp(1, 0x0, \"\\x02\\x00 \\x00"),
        "{text}"
    );
    let other_prog: [u64; 2] = [0x0000_0000_0000_0020, 0x0000_0000_0000_0006];
    let other = (2u64, addr(&other_prog));
    let (d, _) = captured(Sysno::seccomp, [1, 0, addr(&other), 0, 0, 0]);
    assert!(!c.values[2].equivalent(&d.values[2]));
    // The same program at another address is the same filter.
    let copy = prog;
    let moved = (2u64, addr(&copy));
    let (e, _) = captured(Sysno::seccomp, [1, 0, addr(&moved), 0, 0, 0]);
    assert!(c.values[2].equivalent(&e.values[2]));
}

#[test]
fn decoded_key_and_queue_calls() {
    let ty = c"user";
    let desc = c"mvx:test";
    let payload = *b"secret";
    let (_, text) = captured(
        Sysno::add_key,
        [
            addr(ty.to_bytes_with_nul()),
            addr(desc.to_bytes_with_nul()),
            addr(&payload),
            6,
            (-2i64) as u64,
            0,
        ],
    );
    assert_eq!(text, r#"add_key("user", "mvx:test", "secret", 6, -2)"#);
    // mq_open without O_CREAT: mode and attributes are leftovers, neither read nor
    // compared.
    let name = c"q";
    let garbage = [0x7fff_0000_1234, 0x7fff_0000_5678];
    let (c, text) = captured(
        Sysno::mq_open,
        [
            addr(name.to_bytes_with_nul()),
            2,
            garbage[0],
            garbage[1],
            0,
            0,
        ],
    );
    assert!(text.starts_with(r#"mq_open("q", 0x2, "#), "{text}");
    assert!(matches!(
        c.values[2..],
        [
            crate::capture::Value::Ignored(_),
            crate::capture::Value::Ignored(_)
        ]
    ));
}
