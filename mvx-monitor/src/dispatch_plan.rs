//! Deciding how a syscall that passed comparison is executed: the dispatch phase.

use crate::capture::{Captured, Value};
use crate::fdtable::{FdKind, FdTable};
use crate::open_policy::{self, OpenClass};
use crate::table::{Arg, Dispatch, FdOp, Len, Ns, OpenFlags, Ret, Spec, Special};
use nix::unistd::Pid;

/// What followers do while the leader executes a leader-only syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowerAction {
    /// Skip the syscall, take the leader's result and out-buffers.
    Skip,
    /// The syscall created fds in the leader: followers open placeholders with the same numbers.
    Placeholder,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Every variant executes it; results are per variant (memory, signal state).
    All,
    /// Every variant executes it and the results must agree (fds created in every variant).
    AllChecked,
    /// Every variant executes it; followers get the leader's result and out-buffers.
    AllReplace,
    /// The leader executes it; followers act as given.
    LeaderOnly(FollowerAction),
    /// Nobody executes it; every variant gets `-errno`.
    Deny(i32),
    /// fork/vfork/clone: every variant executes it, the new tasks form a new lock-step group,
    /// and followers see the leader's child id.
    Clone,
}

/// How the syscall changes the fd table once its result is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdEffect {
    None,
    /// The result (or the pair written to argument `pair_arg`) are new fds of this kind.
    New {
        kind: FdKind,
        pair_arg: Option<usize>,
    },
    /// The result is a duplicate of `src`.
    Dup {
        src: i32,
    },
    Close {
        fd: i32,
    },
    CloseRange {
        first: i32,
        last: i32,
    },
}

/// The outcome of the dispatch phase.
#[derive(Clone, Debug)]
pub struct Decision {
    pub plan: Plan,
    pub effect: FdEffect,
    /// Argument kinds used for replication (the table's, or refined for fcntl/ioctl).
    pub args: Vec<Arg>,
    /// A warning to print once (keyed by its text).
    pub warning: Option<String>,
    /// Followers execute the call on their shadow of the leader's file behind this fd
    /// (`shadow.rs`); the monitor puts it in place of their placeholder first.
    pub shadow_fd: Option<i32>,
}

impl Decision {
    fn new(plan: Plan, args: &[Arg]) -> Decision {
        Decision {
            plan,
            effect: FdEffect::None,
            args: args.to_vec(),
            warning: None,
            shadow_fd: None,
        }
    }

    /// Nobody executes the call: every variant gets `-errno`.
    pub fn new_deny(errno: i32, args: &[Arg]) -> Decision {
        Decision::new(Plan::Deny(errno), args)
    }

    fn with_effect(mut self, effect: FdEffect) -> Decision {
        self.effect = effect;
        self
    }

    fn warn(mut self, text: String) -> Decision {
        self.warning = Some(text);
        self
    }
}

/// Decides the plan for the leader's call `call` (already compared with the followers').
pub fn decide(spec: Option<&Spec>, call: &Captured, fds: &FdTable, leader: Pid) -> Decision {
    let Some(spec) = spec else {
        let name = crate::table::name_of(call.raw.nr);
        return Decision::new(Plan::Deny(libc::ENOSYS), &[]).warn(format!(
            "unsupported syscall {name} (nr {}): returning ENOSYS in every variant",
            call.raw.nr
        ));
    };
    let a = call.raw.args;
    let new_fd = |kind| FdEffect::New {
        kind,
        pair_arg: match spec.ret {
            Ret::NewFdPair(i) => Some(i as usize),
            _ => None,
        },
    };
    match spec.dispatch {
        Dispatch::All => {
            let d = Decision::new(
                if spec.creates_fd() {
                    Plan::AllChecked
                } else {
                    Plan::All
                },
                spec.args,
            );
            let arg = |i: u8| a[i as usize];
            let effect = match spec.props.fd_op {
                Some(FdOp::Close(fd)) => FdEffect::Close { fd: arg(fd) as i32 },
                Some(FdOp::CloseRange { first, last }) => FdEffect::CloseRange {
                    first: arg(first) as i32,
                    last: arg(last).min(i32::MAX as u64) as i32,
                },
                Some(FdOp::Dup(src)) => FdEffect::Dup {
                    src: arg(src) as i32,
                },
                None if spec.creates_fd() => new_fd(FdKind::PerVariant),
                None => FdEffect::None,
            };
            d.with_effect(effect)
        }
        Dispatch::AllChecked => all_checked(spec, new_fd),
        // A write to the process's own /proc state (a thread's name): every variant's own.
        Dispatch::LeaderOnly
            if spec.fast == Some(crate::table::Fast::Write)
                && fds
                    .get(a[0] as i32)
                    .is_some_and(FdKind::written_by_every_variant) =>
        {
            Decision::new(Plan::AllChecked, spec.args)
        }
        Dispatch::LeaderOnly => leader_only(spec, new_fd),
        Dispatch::AllReplaceResult => Decision::new(Plan::AllReplace, spec.args),
        Dispatch::Deny(refusal) => {
            let d = Decision::new(Plan::Deny(refusal.errno), spec.args);
            if refusal.warn {
                d.warn(format!(
                    "{} is refused under mvx ({}): {} in every variant",
                    spec.name(),
                    refusal.why,
                    errno_name(refusal.errno)
                ))
            } else {
                d
            }
        }
        // Only reached if such a call was traced after all (the filter normally lets it pass).
        Dispatch::Unchecked => Decision::new(Plan::All, spec.args),
        Dispatch::Special(special) => decide_special(special, spec, call, fds, leader, new_fd),
    }
}

fn decide_special(
    special: Special,
    spec: &Spec,
    call: &Captured,
    fds: &FdTable,
    leader: Pid,
    new_fd: impl Fn(FdKind) -> FdEffect,
) -> Decision {
    let a = call.raw.args;
    match special {
        Special::Open => decide_open(spec, call, leader, new_fd),
        Special::Mmap => decide_mmap(spec, a, fds),
        Special::Fcntl => decide_fcntl(spec, a),
        Special::Ioctl => decide_ioctl(spec, a),
        // Their handlers track state beside the call; its dispatch is a regular one.
        Special::Exec | Special::Exit | Special::Sigaction | Special::Restart => {
            Decision::new(Plan::All, spec.args)
        }
        Special::EpollCtl => leader_only(spec, new_fd),
        Special::Fork => Decision::new(Plan::Clone, spec.args),
        Special::Namespaced(ns) => {
            if has_own_namespace(leader, ns) {
                all_checked(spec, new_fd)
            } else {
                leader_only(spec, new_fd)
            }
        }
        Special::Priority { user } => {
            if a[0] & 0xffff_ffff == user {
                leader_only(spec, new_fd)
            } else {
                Decision::new(Plan::All, spec.args)
            }
        }
        Special::Signal { target } => {
            let pid = a[target as usize] as i32;
            if pid <= 0 || traced_by_this_monitor(pid) {
                Decision::new(Plan::All, spec.args)
            } else {
                leader_only(spec, new_fd)
            }
        }
        Special::Seccomp => decide_seccomp(spec, a),
        Special::FdHolder => {
            let fd = a[0] as i32;
            if fd < 0 || fds.get(fd) == Some(FdKind::PerVariant) {
                all_checked(spec, new_fd)
            } else {
                leader_only(spec, new_fd)
            }
        }
        Special::LandlockRuleset => {
            const VERSION_OR_ERRATA: u64 = 0b11;
            if a[2] & VERSION_OR_ERRATA != 0 {
                // A query: the result is a number, not an fd.
                Decision::new(Plan::AllReplace, spec.args)
            } else {
                all_checked(spec, new_fd)
            }
        }
    }
}

/// open/openat/openat2/creat: per variant, leader-only or process-local depending on the file
/// (`open_policy.rs`).
fn decide_open(
    spec: &Spec,
    call: &Captured,
    leader: Pid,
    new_fd: impl Fn(FdKind) -> FdEffect,
) -> Decision {
    let a = call.raw.args;
    // Every open-like entry says where its arguments are (a unit test of mvx-abi).
    let Some(open) = spec.props.open else {
        return Decision::new(Plan::Deny(libc::ENOSYS), spec.args);
    };
    let dirfd = open.dirfd.map_or(libc::AT_FDCWD, |i| a[i as usize] as i32);
    let path_arg = open.path as usize;
    let flags = match open.flags {
        OpenFlags::Arg(i) => a[i as usize] as i32,
        OpenFlags::Fixed(flags) => flags,
        OpenFlags::How(i) => openat2_flags(call, i as usize),
    };
    let class = match call.values.get(path_arg) {
        Some(Value::Bytes(path)) => open_policy::classify(leader, dirfd, path, flags),
        // An unreadable path fails with EFAULT everywhere.
        _ => OpenClass::PerVariant,
    };
    match class {
        OpenClass::PerVariant => {
            Decision::new(Plan::AllChecked, spec.args).with_effect(new_fd(FdKind::PerVariant))
        }
        OpenClass::LeaderOnly => {
            Decision::new(Plan::LeaderOnly(FollowerAction::Placeholder), spec.args)
                .with_effect(new_fd(FdKind::LeaderOnly))
        }
        OpenClass::ProcessLocal => {
            Decision::new(Plan::AllChecked, spec.args).with_effect(new_fd(FdKind::ProcessLocal))
        }
    }
}

/// mmap: anonymous, or of a file every variant holds, in every variant; of a file only the
/// leader holds, on the followers' shadows of it.
fn decide_mmap(spec: &Spec, a: [u64; 6], fds: &FdTable) -> Decision {
    let flags = a[3] as i32;
    let fd = a[4] as i32;
    if flags & libc::MAP_ANONYMOUS != 0 || fds.get(fd).is_none_or(|k| k.followers_hold_file()) {
        Decision::new(Plan::All, spec.args)
    } else {
        // Followers map their shadow of the leader's file; the results are addresses,
        // compared for success only.
        Decision {
            shadow_fd: Some(fd),
            ..Decision::new(Plan::AllChecked, spec.args)
        }
    }
}

/// seccomp: every variant installs its own filter, except one with a user-space listener.
fn decide_seccomp(spec: &Spec, a: [u64; 6]) -> Decision {
    const SECCOMP_SET_MODE_FILTER: u64 = 1;
    const SECCOMP_FILTER_FLAG_NEW_LISTENER: u64 = 1 << 3;
    if a[0] & 0xffff_ffff == SECCOMP_SET_MODE_FILTER && a[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER != 0
    {
        Decision::new(Plan::Deny(libc::EBUSY), spec.args).warn(
            "seccomp with SECCOMP_FILTER_FLAG_NEW_LISTENER is refused under mvx (its \
                 user-space supervisor could let calls run that mvx never sees): EBUSY, \
                 as when another filter has a listener"
                .into(),
        )
    } else {
        Decision::new(Plan::AllChecked, spec.args)
    }
}

/// Every variant executes the call in lock-step and the results must agree; a new fd is one
/// per variant.
fn all_checked(spec: &Spec, new_fd: impl Fn(FdKind) -> FdEffect) -> Decision {
    let d = Decision::new(Plan::AllChecked, spec.args);
    if spec.creates_fd() {
        d.with_effect(new_fd(FdKind::PerVariant))
    } else {
        d
    }
}

/// The leader executes the call; followers take its result (and a placeholder for a new fd).
fn leader_only(spec: &Spec, new_fd: impl Fn(FdKind) -> FdEffect) -> Decision {
    if spec.creates_fd() {
        Decision::new(Plan::LeaderOnly(FollowerAction::Placeholder), spec.args)
            .with_effect(new_fd(FdKind::LeaderOnly))
    } else {
        Decision::new(Plan::LeaderOnly(FollowerAction::Skip), spec.args)
    }
}

/// Whether the leader is in a namespace of this kind other than mvx's own: it unshared one
/// (as every variant did, in lock-step), so changes inside it touch nobody else.
pub fn has_own_namespace(leader: Pid, ns: Ns) -> bool {
    let name = ns.proc_name();
    let theirs = std::fs::read_link(format!("/proc/{leader}/ns/{name}"));
    let ours = std::fs::read_link(format!("/proc/self/ns/{name}"));
    matches!((theirs, ours), (Ok(t), Ok(o)) if t != o)
}

/// Whether task `pid` is traced by this mvx (a task of the run: the leader's ids are the
/// program's), read from its /proc status: its tracer is one of our threads.
pub fn traced_by_this_monitor(pid: i32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("TracerPid:"))
        .and_then(|v| v.trim().parse::<i32>().ok())
        .is_some_and(|tracer| {
            tracer > 0 && std::path::Path::new(&format!("/proc/self/task/{tracer}")).exists()
        })
}

fn errno_name(errno: i32) -> String {
    format!("{:?}", nix::errno::Errno::from_raw(errno))
}

/// The flags of the `struct open_how` in argument `arg` (its first field).
fn openat2_flags(call: &Captured, arg: usize) -> i32 {
    match call.values.get(arg) {
        Some(Value::Bytes(how)) if how.len() >= 8 => {
            u64::from_ne_bytes(how[..8].try_into().unwrap()) as i32
        }
        _ => 0,
    }
}

const F_OFD_GETLK: u64 = 36;
const F_SETOWN_EX: i32 = 15;
const F_GETOWN_EX: i32 = 16;

fn decide_fcntl(spec: &Spec, a: [u64; 6]) -> Decision {
    let fd = a[0] as i32;
    match a[1] as i32 {
        libc::F_DUPFD | libc::F_DUPFD_CLOEXEC => {
            Decision::new(Plan::AllChecked, spec.args).with_effect(FdEffect::Dup { src: fd })
        }
        // fd flags live in each variant's own table.
        libc::F_GETFD | libc::F_SETFD => Decision::new(Plan::AllReplace, spec.args),
        // struct f_owner_ex {int type; pid_t pid;}: glibc's F_GETOWN asks for it.
        F_GETOWN_EX => Decision::new(
            Plan::LeaderOnly(FollowerAction::Skip),
            &[Arg::Fd, Arg::Int, Arg::Out(Len::Fixed(8))],
        ),
        F_SETOWN_EX => Decision::new(
            Plan::LeaderOnly(FollowerAction::Skip),
            &[Arg::Fd, Arg::Int, Arg::In(Len::Fixed(8))],
        ),
        // struct flock is read and written.
        cmd if cmd == libc::F_GETLK || a[1] == F_OFD_GETLK => Decision::new(
            Plan::LeaderOnly(FollowerAction::Skip),
            &[Arg::Fd, Arg::Int, Arg::InOut(Len::Fixed(32))],
        ),
        _ => Decision::new(Plan::LeaderOnly(FollowerAction::Skip), spec.args),
    }
}

// Terminal ioctls predating the _IOC encoding, with the size of what they write.
const LEGACY_IOCTL_OUT: &[(u64, usize)] = &[
    (0x5401, 36), // TCGETS: struct termios (kernel layout)
    (0x540F, 4),  // TIOCGPGRP
    (0x5413, 8),  // TIOCGWINSZ
    (0x541B, 4),  // FIONREAD
    (0x5429, 4),  // TIOCGSID
    // Network interface queries: struct ifreq (40 bytes), name in, answer out.
    (0x8910, 40), // SIOCGIFNAME
    (0x8913, 40), // SIOCGIFFLAGS
    (0x8915, 40), // SIOCGIFADDR
    (0x8919, 40), // SIOCGIFBRDADDR
    (0x891b, 40), // SIOCGIFNETMASK
    (0x8921, 40), // SIOCGIFMTU
    (0x8927, 40), // SIOCGIFHWADDR
    (0x8933, 40), // SIOCGIFINDEX
];
// Legacy ioctls that only read their argument or take none.
const LEGACY_IOCTL_IN: &[u64] = &[
    0x5402, 0x5403, 0x5404, // TCSETS, TCSETSW, TCSETSF
    0x5410, // TIOCSPGRP
    0x5414, // TIOCSWINSZ
    0x5421, // FIONBIO
    0x540B, // TCFLSH
    0x5409, // TCSBRK
];
const FIONCLEX: u64 = 0x5450;
const FIOCLEX: u64 = 0x5451;

fn decide_ioctl(spec: &Spec, a: [u64; 6]) -> Decision {
    let req = a[1] & 0xffff_ffff;
    let with_out = |size: usize| vec![Arg::Fd, Arg::Flags, Arg::Out(Len::Fixed(size))];
    if req == FIOCLEX || req == FIONCLEX {
        return Decision::new(Plan::All, spec.args);
    }
    if let Some(&(_, size)) = LEGACY_IOCTL_OUT.iter().find(|(r, _)| *r == req) {
        return Decision::new(Plan::LeaderOnly(FollowerAction::Skip), &with_out(size));
    }
    let skip = Decision::new(Plan::LeaderOnly(FollowerAction::Skip), spec.args);
    if LEGACY_IOCTL_IN.contains(&req) {
        return skip;
    }
    let dir = (req >> 30) & 3;
    let size = ((req >> 16) & 0x3fff) as usize;
    const IOC_READ: u64 = 2;
    if req > 0xffff && dir & IOC_READ != 0 {
        Decision::new(Plan::LeaderOnly(FollowerAction::Skip), &with_out(size))
    } else if req > 0xffff {
        skip
    } else {
        skip.warn(format!(
            "ioctl request {req:#x} is not described: executed by the leader, followers get \
             its return value but no data"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Captured;
    use crate::tracee::RawCall;

    fn call(nr: syscalls::Sysno, args: [u64; 6], values: Vec<Value>) -> Captured {
        Captured {
            raw: RawCall {
                nr: nr.id() as u64,
                args,
            },
            values,
        }
    }

    fn decide_nr(nr: syscalls::Sysno, args: [u64; 6], values: Vec<Value>) -> Decision {
        let spec = crate::table::lookup(nr.id() as u64);
        decide(
            spec,
            &call(nr, args, values),
            &FdTable::default(),
            nix::unistd::getpid(),
        )
    }

    #[test]
    fn unknown_syscalls_are_denied_with_a_warning() {
        let c = Captured {
            raw: RawCall {
                nr: 1000,
                args: [0; 6],
            },
            values: vec![],
        };
        let d = decide(None, &c, &FdTable::default(), nix::unistd::getpid());
        assert_eq!(d.plan, Plan::Deny(libc::ENOSYS));
        assert!(d.warning.unwrap().contains("unsupported syscall"));
    }

    #[test]
    fn opens_are_split_by_what_they_open() {
        let ro = decide_nr(
            syscalls::Sysno::openat,
            [libc::AT_FDCWD as u64, 1, libc::O_RDONLY as u64, 0, 0, 0],
            vec![
                Value::Int(0),
                Value::Bytes(b"/etc/passwd".to_vec()),
                Value::Int(0),
                Value::Int(0),
            ],
        );
        assert_eq!(ro.plan, Plan::AllChecked);
        let dev = decide_nr(
            syscalls::Sysno::openat,
            [libc::AT_FDCWD as u64, 1, libc::O_RDONLY as u64, 0, 0, 0],
            vec![
                Value::Int(0),
                Value::Bytes(b"/dev/urandom".to_vec()),
                Value::Int(0),
                Value::Int(0),
            ],
        );
        assert_eq!(dev.plan, Plan::LeaderOnly(FollowerAction::Placeholder));
    }

    #[test]
    fn ioctl_sizes_come_from_the_request() {
        let winsz = decide_nr(syscalls::Sysno::ioctl, [1, 0x5413, 0, 0, 0, 0], vec![]);
        assert_eq!(winsz.args[2], Arg::Out(Len::Fixed(8)));
        // FS_IOC_GETFLAGS = _IOR('f', 1, long)
        let getflags = decide_nr(syscalls::Sysno::ioctl, [3, 0x8008_6601, 0, 0, 0, 0], vec![]);
        assert_eq!(getflags.args[2], Arg::Out(Len::Fixed(8)));
        assert!(getflags.warning.is_none());
    }

    #[test]
    fn refused_calls_get_their_errno_and_a_warning() {
        let d = decide_nr(syscalls::Sysno::ptrace, [0; 6], vec![]);
        assert_eq!(d.plan, Plan::Deny(libc::EPERM));
        assert!(d.warning.unwrap().contains("ptrace is refused under mvx"));
        let d = decide_nr(syscalls::Sysno::process_vm_writev, [0; 6], vec![]);
        assert_eq!(d.plan, Plan::Deny(libc::EPERM));
        // What the kernel itself does not implement is refused silently.
        let d = decide_nr(syscalls::Sysno::tuxcall, [0; 6], vec![]);
        assert_eq!(d.plan, Plan::Deny(libc::ENOSYS));
        assert!(d.warning.is_none());
        let d = decide_nr(syscalls::Sysno::rseq, [0; 6], vec![]);
        assert!(d.warning.is_none());
    }

    #[test]
    fn message_and_ipc_calls_are_leader_only() {
        for nr in [
            syscalls::Sysno::recvmmsg,
            syscalls::Sysno::sendmmsg,
            syscalls::Sysno::msgsnd,
            syscalls::Sysno::semop,
            syscalls::Sysno::keyctl,
            syscalls::Sysno::clock_settime,
        ] {
            let d = decide_nr(nr, [3, 0, 0, 0, 0, 0], vec![]);
            assert_eq!(
                d.plan,
                Plan::LeaderOnly(FollowerAction::Skip),
                "{}",
                nr.name()
            );
        }
        let d = decide_nr(syscalls::Sysno::mq_open, [0, 0, 0, 0, 0, 0], vec![]);
        assert_eq!(d.plan, Plan::LeaderOnly(FollowerAction::Placeholder));
        let d = decide_nr(syscalls::Sysno::pidfd_open, [1, 0, 0, 0, 0, 0], vec![]);
        assert_eq!(d.plan, Plan::AllChecked);
    }

    #[test]
    fn process_state_changes_run_everywhere_in_lock_step() {
        let d = decide_nr(
            syscalls::Sysno::unshare,
            [libc::CLONE_FILES as u64, 0, 0, 0, 0, 0],
            vec![],
        );
        assert_eq!(d.plan, Plan::AllChecked);
        assert_eq!(d.effect, FdEffect::None);
        let d = decide_nr(syscalls::Sysno::memfd_secret, [0; 6], vec![]);
        assert_eq!(d.plan, Plan::AllChecked);
        assert_eq!(
            d.effect,
            FdEffect::New {
                kind: FdKind::PerVariant,
                pair_arg: None
            }
        );
        // A Landlock version query returns a number, not an fd.
        let d = decide_nr(
            syscalls::Sysno::landlock_create_ruleset,
            [0, 0, 1, 0, 0, 0],
            vec![],
        );
        assert_eq!(d.plan, Plan::AllReplace);
        assert_eq!(d.effect, FdEffect::None);
        let d = decide_nr(
            syscalls::Sysno::landlock_create_ruleset,
            [1, 16, 0, 0, 0, 0],
            vec![],
        );
        assert_eq!(d.plan, Plan::AllChecked);
    }

    #[test]
    fn a_user_space_seccomp_listener_is_refused() {
        let listener = decide_nr(
            syscalls::Sysno::seccomp,
            [1, 1 << 3, 0x1000, 0, 0, 0],
            vec![],
        );
        assert_eq!(listener.plan, Plan::Deny(libc::EBUSY));
        assert!(listener.warning.is_some());
        let filter = decide_nr(syscalls::Sysno::seccomp, [1, 0, 0x1000, 0, 0, 0], vec![]);
        assert_eq!(filter.plan, Plan::AllChecked);
    }

    #[test]
    fn namespaced_calls_are_the_leaders_in_a_shared_namespace() {
        let me = nix::unistd::getpid();
        assert!(!has_own_namespace(me, Ns::Mnt));
        let d = decide_nr(syscalls::Sysno::mount, [0; 6], vec![]);
        assert_eq!(d.plan, Plan::LeaderOnly(FollowerAction::Skip));
        let d = decide_nr(syscalls::Sysno::fsopen, [0; 6], vec![]);
        assert_eq!(d.plan, Plan::LeaderOnly(FollowerAction::Placeholder));
        let d = decide_nr(syscalls::Sysno::sethostname, [0; 6], vec![]);
        assert_eq!(d.plan, Plan::LeaderOnly(FollowerAction::Skip));
    }

    #[test]
    fn signals_to_processes_outside_the_run_are_sent_once() {
        // This test process is not traced by a monitor: the leader alone signals it.
        let me = nix::unistd::getpid().as_raw() as u64;
        assert!(!traced_by_this_monitor(me as i32));
        let d = decide_nr(syscalls::Sysno::kill, [me, 0, 0, 0, 0, 0], vec![]);
        assert_eq!(d.plan, Plan::LeaderOnly(FollowerAction::Skip));
        let d = decide_nr(syscalls::Sysno::tgkill, [me, me, 10, 0, 0, 0], vec![]);
        assert_eq!(d.plan, Plan::LeaderOnly(FollowerAction::Skip));
        // Process groups (0, negative): every variant, as before.
        let d = decide_nr(syscalls::Sysno::kill, [0, 15, 0, 0, 0, 0], vec![]);
        assert_eq!(d.plan, Plan::All);
    }

    #[test]
    fn priorities_of_a_user_are_set_once() {
        const PRIO_USER: u64 = 2;
        let d = decide_nr(
            syscalls::Sysno::setpriority,
            [PRIO_USER, 1000, 5, 0, 0, 0],
            vec![],
        );
        assert_eq!(d.plan, Plan::LeaderOnly(FollowerAction::Skip));
        let d = decide_nr(syscalls::Sysno::setpriority, [0, 0, 5, 0, 0, 0], vec![]);
        assert_eq!(d.plan, Plan::All);
        const IOPRIO_WHO_USER: u64 = 3;
        let d = decide_nr(
            syscalls::Sysno::ioprio_set,
            [IOPRIO_WHO_USER, 0, 0, 0, 0, 0],
            vec![],
        );
        assert_eq!(d.plan, Plan::LeaderOnly(FollowerAction::Skip));
    }

    #[test]
    fn fd_holders_decide_by_the_fd() {
        let spec = crate::table::lookup(syscalls::Sysno::ftruncate.id() as u64);
        let mut fds = FdTable::default();
        fds.insert(5, FdKind::PerVariant);
        fds.insert(6, FdKind::LeaderOnly);
        let me = nix::unistd::getpid();
        let on = |fd: u64| {
            decide(
                spec,
                &call(syscalls::Sysno::ftruncate, [fd, 4096, 0, 0, 0, 0], vec![]),
                &fds,
                me,
            )
            .plan
        };
        assert_eq!(on(5), Plan::AllChecked);
        assert_eq!(on(6), Plan::LeaderOnly(FollowerAction::Skip));
        assert_eq!(on(7), Plan::LeaderOnly(FollowerAction::Skip));
    }

    #[test]
    fn fork_creates_a_group() {
        let d = decide_nr(syscalls::Sysno::fork, [0; 6], vec![]);
        assert_eq!(d.plan, Plan::Clone);
    }
}
