//! The wire format between `mvx run --remote` (the leader's host) and `mvx follower` (a
//! follower host), version [`VERSION`].
//!
//! Framing: each message is a little-endian `u32` length followed by that many bytes of the
//! message in `postcard` encoding (serde's compact binary format; its encoding of the types
//! below is what the version number pins). A frame longer than [`MAX_FRAME`] is an error.
//!
//! A session: the leader sends [`ToFollower::Hello`]; the follower answers
//! [`ToLeader::Welcome`] with the pids of the variants it started, or [`ToLeader::Refused`].
//! Then the leader drives the follower's tracees with [`Op`]s, either as a `Call` (answered by
//! a `Reply` with the same id) or a `Post` (not answered; its failure comes back as `Failed`),
//! and the follower reports every wait status of its tracees as a `Wait`, with the
//! registers of a stop. Messages of each direction are handled in order, so a `Post` followed
//! by a `Call` on the same tracee sees the `Post` done.
//!
//! Calls settled without a lagging remote member (asynchronous replication) are also posted
//! ahead as [`Op::Expect`]: the follower host answers the member's matching call itself and
//! reports [`ToLeader::Answered`] instead of a `Wait`, so catching up costs no round trip.
//! An expectation the leader answered the slow way after all is withdrawn ([`Op::Forget`]).

use serde::{Deserialize, Serialize};

/// The protocol version; both ends must speak the same one.
pub const VERSION: u32 = 2;
/// First bytes of a `Hello`: tells an mvx peer from anything else on the port.
pub const MAGIC: [u8; 4] = *b"MVXd";
/// The largest frame either end accepts (a memory read or write of a tracee is the largest
/// message; the monitor reads at most a few MiB at once).
pub const MAX_FRAME: usize = 64 << 20;

/// What the leader's host sends.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum ToFollower {
    Hello(Hello),
    /// An operation whose answer the leader waits for.
    Call {
        id: u64,
        op: Op,
    },
    /// An operation the leader does not wait for.
    Post(Op),
    /// The run is over: kill what is left and end the session.
    Bye,
}

/// The start of a session: what to run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Hello {
    pub magic: [u8; 4],
    pub version: u32,
    /// The variants this host runs.
    pub variants: Vec<VariantStart>,
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
    /// The leader's working directory, which the variants start in.
    pub cwd: Vec<u8>,
    /// The monitor level (`Level as u8`): which seccomp filter the variants get.
    pub level: u8,
    /// The signal mask and the ignored signals (bit `sig - 1`) the leader starts with: the
    /// followers start with the same, whatever their host's mvx inherited.
    pub sigmask: u64,
    pub ignored: u64,
}

/// One variant to start.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct VariantStart {
    /// Its index in the run (0 is the leader, which never runs remotely).
    pub index: u32,
    /// The executable's path, the same on every host.
    pub program: Vec<u8>,
    /// SHA-256 of the leader's host's copy: the follower refuses to run a different file.
    pub sha256: [u8; 32],
    pub layout: Layout,
}

/// `spawn::Layout` on the wire.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum Layout {
    Randomized,
    Fixed,
    Partitioned { index: u32 },
}

/// The general-purpose registers (`user_regs_struct`, 27 words in its field order).
pub type Regs = [u64; 27];

/// How a stopped tracee is resumed.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum ResumeHow {
    /// PTRACE_CONT: to the next seccomp stop.
    Cont,
    /// PTRACE_SYSCALL: to the exit of the current call.
    Syscall,
}

/// An operation on a follower host's tracee (`pid` is the pid there).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum Op {
    GetRegs {
        pid: i32,
    },
    SetRegs {
        pid: i32,
        regs: Regs,
    },
    /// Resume from a stop, delivering `sig` if non-zero.
    Resume {
        pid: i32,
        how: ResumeHow,
        sig: i32,
    },
    ReadMem {
        pid: i32,
        addr: u64,
        len: u64,
    },
    WriteMem {
        pid: i32,
        addr: u64,
        data: Vec<u8>,
    },
    EventMessage {
        pid: i32,
    },
    GetSiginfo {
        pid: i32,
    },
    SetSiginfo {
        pid: i32,
        info: Vec<u8>,
    },
    GetSigmask {
        pid: i32,
    },
    SetSigmask {
        pid: i32,
        mask: u64,
    },
    /// kill(2).
    Signal {
        pid: i32,
        sig: i32,
    },
    /// tkill(2): to that thread alone.
    ThreadSignal {
        tid: i32,
        sig: i32,
    },
    /// The contents of `/proc/PID/<file>` (a name from [`PROC_FILES`], or `fd/N`/`fdinfo/N`).
    ReadProc {
        pid: i32,
        file: String,
    },
    /// The target of the link `/proc/PID/<file>`.
    ReadProcLink {
        pid: i32,
        file: String,
    },
    /// A shadow of a file the leader maps shared (`shadow.rs`), made on this host for its
    /// variants: created with `contents`, then written and resized as the leader's file is.
    /// `path` must be a shadow's name in this host's shadow directory.
    ShadowCreate {
        path: Vec<u8>,
        contents: Vec<u8>,
    },
    ShadowWrite {
        path: Vec<u8>,
        offset: u64,
        data: Vec<u8>,
    },
    ShadowSize {
        path: Vec<u8>,
        len: u64,
    },
    /// Tracee `pid`'s next call settled without it: if the call it stops at next (after any
    /// it makes that match no expectation) is `call` (same syscall, equivalent arguments),
    /// the follower host answers it with `answer` and reports `Answered { id }`.
    Expect {
        pid: i32,
        id: u64,
        call: crate::capture::Captured,
        answer: Prepared,
    },
    /// Expectation `id` of `pid` was met the slow way: drop it if still held.
    Forget {
        pid: i32,
        id: u64,
    },
}

/// How a follower host answers an expected call.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum Prepared {
    /// Skip the call: the leader's result, and its out-buffers written through the tracee's
    /// own pointers.
    Answer {
        ret: i64,
        outputs: crate::replicate::Outputs,
    },
    /// Let the tracee make the call itself (every variant makes it).
    RunOwn,
}

/// Whether `path` names a shadow file a leader may have made on a follower host: directly in
/// `dir`, named `mvx-sync-*-shadow-*`.
pub fn shadow_path_allowed(path: &std::path::Path, dir: &std::path::Path) -> bool {
    let name_ok = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("mvx-sync-") && n.contains("-shadow-"));
    name_ok && path.parent() == Some(dir)
}

/// The `/proc/PID/` files a leader may ask for: what the monitor reads of its tracees.
pub const PROC_FILES: &[&str] = &[
    "status",
    "stat",
    "maps",
    "auxv",
    "limits",
    "syscall",
    "wchan",
    "schedstat",
    "exe",
    "comm",
];

/// Whether `file` names something a follower answers for `ReadProc`/`ReadProcLink`.
pub fn proc_file_allowed(file: &str) -> bool {
    if PROC_FILES.contains(&file) {
        return true;
    }
    let numbered = |prefix: &str| {
        file.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    numbered("fd/") || numbered("fdinfo/")
}

/// What a follower host sends.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum ToLeader {
    Welcome(Welcome),
    /// The session was refused; nothing runs.
    Refused {
        reason: String,
    },
    Reply {
        id: u64,
        result: Result<Answer, WireError>,
    },
    /// A wait status of a tracee, with its registers if it is a stop (`None` if reading them
    /// failed, e.g. because it was killed meanwhile), and at a syscall's seccomp stop the
    /// call's arguments as the monitor captures them, read there so that comparing them costs
    /// the leader's host no round trip.
    Wait {
        pid: i32,
        status: i32,
        regs: Option<Regs>,
        captured: Option<crate::capture::Captured>,
    },
    /// Expectation `id` of `pid` was met and answered on the follower host; `captured` is the
    /// call as the tracee made it (the tracee runs on).
    Answered {
        pid: i32,
        id: u64,
        captured: crate::capture::Captured,
    },
    /// A `Post` failed.
    Failed {
        op: String,
        error: WireError,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Welcome {
    pub version: u32,
    /// The follower host's name, for reports.
    pub host: String,
    /// The first pid of each started variant, in the order of `Hello::variants`.
    pub pids: Vec<i32>,
    /// The follower's mvx session process: signals mvx forwards to the variants there come
    /// from it.
    pub agent_pid: i32,
}

/// The answer to a `Call`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum Answer {
    Done,
    Regs(Regs),
    Bytes(Vec<u8>),
    Word(u64),
}

/// An error of an operation: the errno if there is one (so that the leader's monitor can tell
/// a vanished tracee, ESRCH, from a real failure), and its text.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct WireError {
    pub errno: Option<i32>,
    pub text: String,
}

impl WireError {
    /// From an error of the follower's side, keeping the first errno found in its chain.
    pub fn from_anyhow(e: &anyhow::Error) -> WireError {
        let errno = e.chain().find_map(|c| {
            c.downcast_ref::<nix::errno::Errno>()
                .map(|e| *e as i32)
                .or_else(|| c.downcast_ref::<std::io::Error>()?.raw_os_error())
        });
        WireError {
            errno,
            text: format!("{e:#}"),
        }
    }

    /// As an error of the leader's side: an errno stays a `nix::errno::Errno` in the chain.
    pub fn into_anyhow(self) -> anyhow::Error {
        match self.errno {
            Some(n) => anyhow::Error::new(nix::errno::Errno::from_raw(n))
                .context(format!("on the follower host: {}", self.text)),
            None => anyhow::anyhow!("on the follower host: {}", self.text),
        }
    }
}

pub fn regs_to_wire(r: &libc::user_regs_struct) -> Regs {
    // SAFETY: user_regs_struct is 27 u64 fields, repr(C), no padding.
    unsafe { std::mem::transmute::<libc::user_regs_struct, Regs>(*r) }
}

pub fn regs_from_wire(r: &Regs) -> libc::user_regs_struct {
    // SAFETY: as above; every bit pattern is a valid user_regs_struct.
    unsafe { std::mem::transmute::<Regs, libc::user_regs_struct>(*r) }
}

/// Encodes one message as a frame (length prefix included).
pub fn encode<T: Serialize>(msg: &T) -> anyhow::Result<Vec<u8>> {
    let body = postcard::to_stdvec(msg)?;
    anyhow::ensure!(
        body.len() <= MAX_FRAME,
        "message of {} bytes too large",
        body.len()
    );
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
    frame.extend_from_slice(&body);
    Ok(frame)
}

/// Decodes a frame's body.
pub fn decode<T: for<'de> Deserialize<'de>>(body: &[u8]) -> anyhow::Result<T> {
    Ok(postcard::from_bytes(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(m: T) {
        let frame = encode(&m).unwrap();
        let len = u32::from_le_bytes(frame[..4].try_into().unwrap()) as usize;
        assert_eq!(len, frame.len() - 4);
        assert_eq!(decode::<T>(&frame[4..]).unwrap(), m);
    }

    #[test]
    fn messages_survive_the_wire() {
        round_trip(ToFollower::Hello(Hello {
            magic: MAGIC,
            version: VERSION,
            variants: vec![VariantStart {
                index: 1,
                program: b"/bin/echo".to_vec(),
                sha256: [7; 32],
                layout: Layout::Partitioned { index: 1 },
            }],
            argv: vec![b"echo".to_vec(), b"hi".to_vec()],
            envp: vec![b"A=b".to_vec()],
            cwd: b"/tmp".to_vec(),
            level: 0,
            sigmask: 0,
            ignored: 1 << 1,
        }));
        round_trip(ToFollower::Call {
            id: 9,
            op: Op::WriteMem {
                pid: 4,
                addr: 0x7fff_0000,
                data: vec![1, 2, 3],
            },
        });
        round_trip(ToLeader::Wait {
            pid: 77,
            status: 0x857f,
            regs: Some([3; 27]),
            captured: Some(crate::capture::Captured {
                raw: crate::tracee::RawCall {
                    nr: 1,
                    args: [1, 2, 3, 0, 0, 0],
                },
                values: vec![
                    crate::capture::Value::Int(1),
                    crate::capture::Value::Bytes(b"hi".to_vec()),
                ],
            }),
        });
        round_trip(ToLeader::Reply {
            id: 3,
            result: Err(WireError {
                errno: Some(libc::ESRCH),
                text: "gone".into(),
            }),
        });
    }

    #[test]
    fn errno_crosses_as_errno() {
        let e = WireError {
            errno: Some(libc::ESRCH),
            text: "x".into(),
        }
        .into_anyhow();
        assert!(e
            .chain()
            .any(|c| c.downcast_ref::<nix::errno::Errno>() == Some(&nix::errno::Errno::ESRCH)));
        let back = WireError::from_anyhow(&e);
        assert_eq!(back.errno, Some(libc::ESRCH));
    }

    #[test]
    fn registers_keep_their_order() {
        let mut r: libc::user_regs_struct = unsafe { std::mem::zeroed() };
        r.orig_rax = 231;
        r.rip = 0x401000;
        let back = regs_from_wire(&regs_to_wire(&r));
        assert_eq!((back.orig_rax, back.rip), (231, 0x401000));
    }

    #[test]
    fn shadows_stay_in_the_shadow_directory() {
        let dir = std::path::Path::new("/dev/shm");
        let ok = std::path::Path::new("/dev/shm/mvx-sync-12-shadow-1-2-3");
        assert!(shadow_path_allowed(ok, dir));
        for bad in [
            "/etc/passwd",
            "/dev/shm/other",
            "/dev/shm/x/mvx-sync-1-shadow-1",
            "/dev/shm/../shm/mvx-sync-1-shadow-1",
        ] {
            assert!(
                !shadow_path_allowed(std::path::Path::new(bad), dir),
                "{bad}"
            );
        }
    }

    #[test]
    fn only_monitor_proc_files_are_served() {
        assert!(proc_file_allowed("maps"));
        assert!(proc_file_allowed("fd/12"));
        assert!(!proc_file_allowed("fd/"));
        assert!(!proc_file_allowed("environ"));
        assert!(!proc_file_allowed("../../etc/shadow"));
        assert!(!proc_file_allowed("fd/1/../x"));
    }
}
