//! A message channel over an authenticated stream, run by an I/O thread of its own (the
//! connector): the tracer thread that owns the tracees never blocks on the network to send,
//! and it learns of incoming messages through an eventfd it can poll with its other events.

use super::tls::Stream;
use super::wire;
use anyhow::{Context, Result};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the I/O thread hands over.
#[derive(Debug)]
pub enum Incoming<R> {
    Msg(R),
    /// The link is gone (the peer closed it, or an error), with why.
    Closed(String),
}

pub struct Channel<S, R> {
    out: Option<tokio::sync::mpsc::UnboundedSender<S>>,
    incoming: mpsc::Receiver<Incoming<R>>,
    wake: Arc<OwnedFd>,
    /// Signalled when the I/O thread ends (so that a drop can wait for the last messages to
    /// be sent, but not forever).
    ended: mpsc::Receiver<()>,
}

impl<S, R> Channel<S, R>
where
    S: Serialize + Send + 'static,
    R: DeserializeOwned + Send + 'static,
{
    /// Starts the I/O thread; `open` runs on it to make the stream (connect or accept), and
    /// its error is returned here.
    pub fn start<F, Fut>(name: &str, open: F) -> Result<Self>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<Box<dyn Stream>>>,
    {
        // SAFETY: plain eventfd(2); the fd is owned right away.
        let raw = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if raw < 0 {
            return Err(std::io::Error::last_os_error()).context("eventfd");
        }
        // SAFETY: a fresh fd nobody else owns.
        let wake = Arc::new(unsafe { OwnedFd::from_raw_fd(raw) });
        let (out_tx, out_rx) = tokio::sync::mpsc::unbounded_channel::<S>();
        let (in_tx, in_rx) = mpsc::channel();
        let (opened_tx, opened_rx) = mpsc::sync_channel::<Result<()>>(1);
        let (ended_tx, ended_rx) = mpsc::sync_channel::<()>(1);
        let thread_wake = wake.clone();
        std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = opened_tx.send(Err(e).context("starting the I/O runtime"));
                        return;
                    }
                };
                rt.block_on(async move {
                    let stream = match open().await {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = opened_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = opened_tx.send(Ok(()));
                    let why = run_io(stream, out_rx, &in_tx, &thread_wake).await;
                    let _ = in_tx.send(Incoming::Closed(why));
                    ring(&thread_wake);
                });
                let _ = ended_tx.send(());
            })
            .context("starting the I/O thread")?;
        opened_rx
            .recv()
            .context("the I/O thread ended before connecting")??;
        Ok(Channel {
            out: Some(out_tx),
            incoming: in_rx,
            wake,
            ended: ended_rx,
        })
    }

    /// Queues a message; it is sent in order. After the link closed it is dropped (the
    /// `Closed` message tells).
    pub fn send(&self, msg: S) {
        if let Some(out) = &self.out {
            let _ = out.send(msg);
        }
    }

    /// The fd that becomes readable when messages wait (poll it, then `try_recv` them all).
    pub fn wake_fd(&self) -> BorrowedFd<'_> {
        self.wake.as_fd()
    }

    /// The next message if one waits. Clears the wake-up first, so that a message that
    /// arrives after the last `None` rings it again.
    pub fn try_recv(&self) -> Option<Incoming<R>> {
        match self.incoming.try_recv() {
            Ok(m) => Some(m),
            Err(_) => {
                clear(&self.wake);
                self.incoming.try_recv().ok()
            }
        }
    }

    /// Waits up to `timeout` for the next message.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Incoming<R>> {
        match self.incoming.recv_timeout(timeout) {
            Ok(m) => Some(m),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Some(Incoming::Closed("the I/O thread ended".into()))
            }
        }
    }

    /// Stops sending: what is queued is still sent, then the stream is shut down. Waits up to
    /// `grace` for that.
    pub fn close(&mut self, grace: Duration) {
        self.out = None;
        let _ = self.ended.recv_timeout(grace);
    }
}

impl<S, R> Drop for Channel<S, R> {
    fn drop(&mut self) {
        self.out = None;
        let _ = self.ended.recv_timeout(Duration::from_secs(2));
    }
}

fn ring(fd: &OwnedFd) {
    let one = 1u64.to_ne_bytes();
    // SAFETY: an 8-byte write to an eventfd we own.
    unsafe { libc::write(fd.as_raw_fd(), one.as_ptr().cast(), 8) };
}

fn clear(fd: &OwnedFd) {
    let mut buf = [0u8; 8];
    // SAFETY: an 8-byte read from a non-blocking eventfd we own.
    unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
}

/// Moves messages both ways until the peer closes, an error, or we stop sending; returns why.
async fn run_io<S: Serialize, R: DeserializeOwned>(
    stream: Box<dyn Stream>,
    mut out: tokio::sync::mpsc::UnboundedReceiver<S>,
    incoming: &mpsc::Sender<Incoming<R>>,
    wake: &OwnedFd,
) -> String {
    let (mut rd, mut wr) = tokio::io::split(stream);
    let reader = async {
        let mut len = [0u8; 4];
        loop {
            if let Err(e) = rd.read_exact(&mut len).await {
                return if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    "the peer closed the connection".to_string()
                } else {
                    format!("reading from the peer: {e}")
                };
            }
            let n = u32::from_le_bytes(len) as usize;
            if n > wire::MAX_FRAME {
                return format!(
                    "the peer sent a frame of {n} bytes (at most {})",
                    wire::MAX_FRAME
                );
            }
            let mut body = vec![0u8; n];
            if let Err(e) = rd.read_exact(&mut body).await {
                return format!("reading from the peer: {e}");
            }
            match wire::decode::<R>(&body) {
                Ok(m) => {
                    if incoming.send(Incoming::Msg(m)).is_err() {
                        return "nobody reads the link any more".into();
                    }
                    ring(wake);
                }
                Err(e) => {
                    return format!(
                    "the peer sent a message this mvx cannot read (another version of mvx?): {e}"
                )
                }
            }
        }
    };
    let writer = async {
        while let Some(m) = out.recv().await {
            let mut batch = match wire::encode(&m) {
                Ok(f) => f,
                Err(e) => return format!("encoding a message: {e:#}"),
            };
            // Whatever else is queued goes in the same write.
            while let Ok(m) = out.try_recv() {
                match wire::encode(&m) {
                    Ok(f) => batch.extend_from_slice(&f),
                    Err(e) => return format!("encoding a message: {e:#}"),
                }
            }
            if let Err(e) = wr.write_all(&batch).await {
                return format!("writing to the peer: {e}");
            }
            if let Err(e) = wr.flush().await {
                return format!("writing to the peer: {e}");
            }
        }
        let _ = wr.shutdown().await;
        "the link was closed by this end".to_string()
    };
    tokio::select! {
        why = reader => why,
        why = writer => why,
    }
}
