//! The monitor's event source: wait statuses of the variants, a timeout for the rendezvous
//! window, and signals sent to mvx itself, all multiplexed on one signalfd.

use anyhow::{Context, Result};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use std::os::fd::AsFd;
use std::time::Duration;

pub enum Event {
    /// A child changed state (drain wait statuses).
    Child,
    /// The timeout passed.
    Timeout,
    /// A signal sent to mvx that the program should receive.
    Forward(Signal),
}

pub struct Events {
    sfd: SignalFd,
    child_mask: SigSet,
}

/// Signals mvx takes through the signalfd instead of dying from them.
const HANDLED: [Signal; 5] = [
    Signal::SIGCHLD,
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
];

impl Events {
    pub fn new() -> Result<Events> {
        let mut mask = SigSet::empty();
        for s in HANDLED {
            mask.add(s);
        }
        let mut old = SigSet::empty();
        nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&mask), Some(&mut old))
            .context("blocking signals")?;
        let sfd = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
            .context("signalfd")?;
        Ok(Events {
            sfd,
            child_mask: old,
        })
    }

    /// The signal mask variants start with (the one mvx was started with).
    pub fn child_sigmask(&self) -> &SigSet {
        &self.child_mask
    }

    /// The next pending wait status of any child, without blocking.
    pub fn next_wait_status(&self) -> Result<Option<WaitStatus>> {
        match waitpid(None, Some(WaitPidFlag::WNOHANG | WaitPidFlag::__WALL)) {
            Ok(WaitStatus::StillAlive) => Ok(None),
            Ok(s) => Ok(Some(s)),
            Err(nix::errno::Errno::ECHILD) => Ok(None),
            Err(e) => Err(e).context("waitpid"),
        }
    }

    /// Blocks until a signal arrives or `timeout` passes.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<Event> {
        if let Some(ev) = self.read_signal()? {
            return Ok(ev);
        }
        let t = match timeout {
            None => PollTimeout::NONE,
            Some(d) => PollTimeout::try_from(d.as_millis().min(i32::MAX as u128) as i32)
                .unwrap_or(PollTimeout::MAX),
        };
        let mut fds = [PollFd::new(self.sfd.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, t) {
            Ok(0) => Ok(Event::Timeout),
            Ok(_) => Ok(self.read_signal()?.unwrap_or(Event::Child)),
            Err(nix::errno::Errno::EINTR) => Ok(Event::Child),
            Err(e) => Err(e).context("poll"),
        }
    }

    fn read_signal(&self) -> Result<Option<Event>> {
        let Some(info) = self.sfd.read_signal().context("reading signalfd")? else {
            return Ok(None);
        };
        let sig = Signal::try_from(info.ssi_signo as i32).context("signal number")?;
        // Terminal-generated signals (Ctrl-C) already reached the variants, which share the
        // foreground process group; only signals sent to mvx alone are forwarded.
        let from_kernel = info.ssi_code == libc::SI_KERNEL;
        Ok(Some(match sig {
            Signal::SIGCHLD => Event::Child,
            _ if from_kernel => Event::Child,
            s => Event::Forward(s),
        }))
    }
}
