//! The load generator of `mvx bench`: N connections, one thread each, blocking request/response
//! on 127.0.0.1 (keep-alive HTTP/1.1 GETs, or Redis GETs).
//!
//! - Closed loop: each connection sends its next request as soon as the previous answer is in
//!   (saturated requests/s, like `wrk -c4`).
//! - Open loop: requests are *scheduled* at a fixed total rate, and a request's latency is counted
//!   from its scheduled send time, not from when a busy connection got round to sending it
//!   (wrk2's correction for coordinated omission): a server that stalls cannot hide the queue it
//!   builds. Requests still unsent when the time is up count with the wait they had so far (a lower
//!   bound), so a server far slower than the rate shows it in p50/p99 instead of dropping out.
//!
//! Servers that answer HTTP/1.0 or `Connection: close` (the fork-per-request and
//! thread-per-connection examples) are reconnected for each request, as a browser would.

use anyhow::{bail, Context, Result};
use hdrhistogram::Histogram;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// What the generator speaks.
#[derive(Clone, Copy, Debug)]
pub enum Protocol {
    /// `GET /` with HTTP/1.1 keep-alive.
    Http,
    /// `GET mvx-bench-key` in RESP.
    Redis,
}

/// How far a parser got in the bytes received so far.
#[derive(Debug, PartialEq)]
pub enum Parsed {
    Incomplete,
    Complete {
        /// Bytes of this response (the rest belongs to the next one).
        len: usize,
        /// The server keeps the connection open for the next request.
        keep_alive: bool,
        /// A success status (HTTP 2xx, a Redis reply that is not an error).
        ok: bool,
    },
}

impl Protocol {
    pub fn request(self) -> &'static [u8] {
        match self {
            Protocol::Http => {
                b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
            }
            Protocol::Redis => b"*2\r\n$3\r\nGET\r\n$13\r\nmvx-bench-key\r\n",
        }
    }

    pub fn parse(self, buf: &[u8]) -> Result<Parsed> {
        match self {
            Protocol::Http => parse_http_response(buf),
            Protocol::Redis => parse_redis_reply(buf),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// An HTTP/1.x response with a Content-Length body (every server of the bench sends one).
pub fn parse_http_response(buf: &[u8]) -> Result<Parsed> {
    let Some(head_end) = find(buf, b"\r\n\r\n") else {
        return Ok(Parsed::Incomplete);
    };
    let head = std::str::from_utf8(&buf[..head_end]).context("response head is not text")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut words = status_line.split(' ');
    let version = words.next().unwrap_or_default();
    let status: u16 = words
        .next()
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("bad status line {status_line:?}"))?;
    let mut keep_alive = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => bail!("not an HTTP/1.x response: {status_line:?}"),
    };
    let mut content_length = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = Some(
                value
                    .parse::<usize>()
                    .with_context(|| format!("bad Content-Length {value:?}"))?,
            );
        } else if name.eq_ignore_ascii_case("connection") {
            if value.eq_ignore_ascii_case("close") {
                keep_alive = false;
            } else if value.eq_ignore_ascii_case("keep-alive") {
                keep_alive = true;
            }
        }
    }
    let body = content_length.context("response without Content-Length")?;
    let len = head_end + 4 + body;
    Ok(if buf.len() < len {
        Parsed::Incomplete
    } else {
        Parsed::Complete {
            len,
            keep_alive,
            ok: (200..300).contains(&status),
        }
    })
}

/// One RESP reply of the kinds GET and SET return: a simple string, an error, an integer, or a
/// bulk string (possibly nil).
pub fn parse_redis_reply(buf: &[u8]) -> Result<Parsed> {
    let Some(line_end) = find(buf, b"\r\n") else {
        return Ok(Parsed::Incomplete);
    };
    let complete = |len: usize, ok: bool| {
        if buf.len() < len {
            Parsed::Incomplete
        } else {
            Parsed::Complete {
                len,
                keep_alive: true,
                ok,
            }
        }
    };
    match buf[0] {
        b'+' | b':' => Ok(complete(line_end + 2, true)),
        b'-' => Ok(complete(line_end + 2, false)),
        b'$' => {
            let n: i64 = std::str::from_utf8(&buf[1..line_end])?
                .parse()
                .context("bad bulk length")?;
            if n < 0 {
                return Ok(complete(line_end + 2, true));
            }
            Ok(complete(line_end + 2 + n as usize + 2, true))
        }
        other => bail!("unexpected RESP reply type {:?}", other as char),
    }
}

/// When request `i` of connection `conn` (of `conns`) is due, at `rate` requests/s in all: the
/// connections take turns, so the whole stream is evenly spaced at 1/rate.
pub fn scheduled_offset(rate: f64, conns: usize, conn: usize, i: u64) -> Duration {
    Duration::from_secs_f64((i as f64 * conns as f64 + conn as f64) / rate)
}

/// The latency of a request due at `scheduled` whose answer came at `done`, in µs: measured from
/// the schedule, so the time it waited for its connection counts.
pub fn corrected_latency_us(scheduled: Instant, done: Instant) -> u64 {
    done.saturating_duration_since(scheduled).as_micros() as u64
}

/// One client connection, reconnected when the server closes it.
pub struct Conn {
    addr: SocketAddr,
    protocol: Protocol,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl Conn {
    pub fn new(addr: SocketAddr, protocol: Protocol) -> Conn {
        Conn {
            addr,
            protocol,
            stream: None,
            buf: Vec::with_capacity(8192),
        }
    }

    fn connect(&mut self) -> Result<&mut TcpStream> {
        if self.stream.is_none() {
            let stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(10))
                .with_context(|| format!("connecting to {}", self.addr))?;
            stream.set_nodelay(true)?;
            // A server that stops answering must not hang the bench.
            stream.set_read_timeout(Some(Duration::from_secs(20)))?;
            self.buf.clear();
            self.stream = Some(stream);
        }
        Ok(self.stream.as_mut().unwrap())
    }

    /// Sends `request` and reads its whole response; false for a non-success status.
    pub fn exchange(&mut self, request: &[u8]) -> Result<bool> {
        let reused = self.stream.is_some();
        match self.try_exchange(request) {
            Ok(ok) => Ok(ok),
            // A kept-alive connection the server closed meanwhile (its idle or request limit):
            // one fresh try.
            Err(_) if reused => {
                self.stream = None;
                self.try_exchange(request)
            }
            Err(e) => {
                self.stream = None;
                Err(e)
            }
        }
    }

    fn try_exchange(&mut self, request: &[u8]) -> Result<bool> {
        let protocol = self.protocol;
        self.connect()?.write_all(request).context("sending")?;
        loop {
            if let Parsed::Complete {
                len,
                keep_alive,
                ok,
            } = protocol.parse(&self.buf)?
            {
                self.buf.drain(..len);
                if !keep_alive {
                    self.stream = None;
                }
                return Ok(ok);
            }
            let mut chunk = [0u8; 16384];
            let stream = self.stream.as_mut().context("connection closed")?;
            let n = stream.read(&mut chunk).context("receiving")?;
            if n == 0 {
                self.stream = None;
                bail!("the server closed the connection mid-response");
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// What one load run measured.
pub struct LoadResult {
    pub requests: u64,
    pub failures: u64,
    pub elapsed: Duration,
    /// Latency in µs (corrected from the schedule in the open loop).
    pub latency: Histogram<u64>,
}

impl LoadResult {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// In an open loop, the share of the scheduled requests that were answered (each scheduled
    /// request, answered or not, has one latency).
    pub fn answered_share(&self) -> f64 {
        self.requests as f64 / self.latency.len().max(1) as f64
    }

    pub fn percentile_us(&self, q: f64) -> f64 {
        self.latency.value_at_quantile(q) as f64
    }
}

fn new_histogram() -> Histogram<u64> {
    // 1 µs .. 100 s at 3 significant digits.
    Histogram::new_with_bounds(1, 100_000_000, 3).expect("valid histogram bounds")
}

/// Load threads sleep to their schedule: without this, the default 50 µs timer slack would be
/// added to every open-loop latency.
fn tight_timer_slack() {
    // SAFETY: PR_SET_TIMERSLACK only changes this thread's timer slack.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong) };
}

/// Per connection: (completed requests, failed requests, latencies).
type ConnOutcome = (u64, u64, Histogram<u64>);

fn run_connections(
    conns: usize,
    work: impl Fn(usize) -> Result<ConnOutcome> + Sync,
) -> Result<LoadResult> {
    let start = Instant::now();
    let outcomes: Vec<Result<ConnOutcome>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..conns)
            .map(|c| {
                let work = &work;
                scope.spawn(move || {
                    tight_timer_slack();
                    work(c)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| bail!("a load thread panicked")))
            .collect()
    });
    let elapsed = start.elapsed();
    let mut result = LoadResult {
        requests: 0,
        failures: 0,
        elapsed,
        latency: new_histogram(),
    };
    for outcome in outcomes {
        let (done, failed, hist) = outcome?;
        result.requests += done;
        result.failures += failed;
        result.latency.add(&hist).context("merging latencies")?;
    }
    Ok(result)
}

/// A few failures are a run's noise; many mean the server is not serving.
fn note_failure(failed: &mut u64, done: u64, e: anyhow::Error) -> Result<()> {
    *failed += 1;
    if *failed > 20 && *failed > done / 10 {
        return Err(e.context(format!("{failed} failed requests")));
    }
    Ok(())
}

/// Saturated load: `conns` connections back to back for `duration`.
pub fn closed_loop(
    addr: SocketAddr,
    protocol: Protocol,
    conns: usize,
    duration: Duration,
) -> Result<LoadResult> {
    let deadline = Instant::now() + duration;
    run_connections(conns, |_| {
        let mut conn = Conn::new(addr, protocol);
        let (mut done, mut failed, mut hist) = (0, 0, new_histogram());
        while Instant::now() < deadline {
            let sent = Instant::now();
            match conn.exchange(protocol.request()) {
                Ok(true) => {
                    done += 1;
                    hist.saturating_record(corrected_latency_us(sent, Instant::now()));
                }
                Ok(false) => note_failure(&mut failed, done, anyhow::anyhow!("error status"))?,
                Err(e) => note_failure(&mut failed, done, e)?,
            }
        }
        Ok((done, failed, hist))
    })
}

/// Fixed-rate load: `rate` requests/s in all over `conns` connections for `duration`, latency
/// from each request's scheduled send time.
pub fn open_loop(
    addr: SocketAddr,
    protocol: Protocol,
    conns: usize,
    rate: f64,
    duration: Duration,
) -> Result<LoadResult> {
    if rate <= 0.0 || !rate.is_finite() {
        bail!("open loop at a rate of {rate} requests/s");
    }
    let start = Instant::now();
    let deadline = start + duration;
    run_connections(conns, |c| {
        let mut conn = Conn::new(addr, protocol);
        let (mut done, mut failed, mut hist) = (0, 0, new_histogram());
        for i in 0.. {
            let due = start + scheduled_offset(rate, conns, c, i);
            if due >= deadline {
                break;
            }
            let now = Instant::now();
            if now >= deadline {
                // Due but never sent: it has waited this long at least.
                hist.saturating_record(corrected_latency_us(due, now));
                continue;
            }
            if due > now {
                std::thread::sleep(due - now);
            }
            match conn.exchange(protocol.request()) {
                Ok(true) => {
                    done += 1;
                    hist.saturating_record(corrected_latency_us(due, Instant::now()));
                }
                Ok(false) => note_failure(&mut failed, done, anyhow::anyhow!("error status"))?,
                Err(e) => note_failure(&mut failed, done, e)?,
            }
        }
        Ok((done, failed, hist))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_keep_alive_response_with_body_and_pipelined_rest() {
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\ncontent-length: 5\r\n\r\n";
        let mut buf = head.to_vec();
        assert_eq!(parse_http_response(&buf).unwrap(), Parsed::Incomplete);
        buf.extend_from_slice(b"hell");
        assert_eq!(parse_http_response(&buf).unwrap(), Parsed::Incomplete);
        buf.extend_from_slice(b"oHTTP/1.1 200");
        assert_eq!(
            parse_http_response(&buf).unwrap(),
            Parsed::Complete {
                len: head.len() + 5,
                keep_alive: true,
                ok: true
            }
        );
    }

    #[test]
    fn http_close_and_version_decide_keep_alive() {
        let v10 = b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
        let closed = b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno";
        let v10_kept = b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n";
        assert!(matches!(
            parse_http_response(v10).unwrap(),
            Parsed::Complete {
                keep_alive: false,
                ok: true,
                ..
            }
        ));
        assert_eq!(
            parse_http_response(closed).unwrap(),
            Parsed::Complete {
                len: closed.len(),
                keep_alive: false,
                ok: false
            }
        );
        assert!(matches!(
            parse_http_response(v10_kept).unwrap(),
            Parsed::Complete {
                keep_alive: true,
                ..
            }
        ));
    }

    #[test]
    fn http_without_length_or_with_garbage_is_an_error() {
        assert!(parse_http_response(b"HTTP/1.1 200 OK\r\n\r\n").is_err());
        assert!(parse_http_response(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
        assert!(parse_http_response(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n").is_err());
    }

    #[test]
    fn redis_replies() {
        assert_eq!(parse_redis_reply(b"+O").unwrap(), Parsed::Incomplete);
        assert_eq!(
            parse_redis_reply(b"+OK\r\n").unwrap(),
            Parsed::Complete {
                len: 5,
                keep_alive: true,
                ok: true
            }
        );
        assert_eq!(
            parse_redis_reply(b"$-1\r\n").unwrap(),
            Parsed::Complete {
                len: 5,
                keep_alive: true,
                ok: true
            }
        );
        assert_eq!(parse_redis_reply(b"$3\r\nab").unwrap(), Parsed::Incomplete);
        assert_eq!(
            parse_redis_reply(b"$3\r\nabc\r\n+OK").unwrap(),
            Parsed::Complete {
                len: 9,
                keep_alive: true,
                ok: true
            }
        );
        assert!(matches!(
            parse_redis_reply(b"-ERR wrong\r\n").unwrap(),
            Parsed::Complete { ok: false, .. }
        ));
        assert!(parse_redis_reply(b"*1\r\n").is_err());
    }

    #[test]
    fn schedule_interleaves_connections_at_the_total_rate() {
        // 1000 req/s over 4 connections: the stream is one request per ms, round robin.
        let at = |c, i| scheduled_offset(1000.0, 4, c, i).as_micros();
        assert_eq!(at(0, 0), 0);
        assert_eq!(at(1, 0), 1000);
        assert_eq!(at(3, 0), 3000);
        assert_eq!(at(0, 1), 4000);
        assert_eq!(at(2, 5), 22000);
        // Each connection alone runs at rate/conns.
        assert_eq!(at(1, 1) - at(1, 0), 4000);
    }

    #[test]
    fn latency_counts_from_the_schedule_not_the_send() {
        let start = Instant::now();
        let due = start + Duration::from_millis(2);
        // Sent late (the connection was busy) at 7 ms, answered at 7.5 ms: 5.5 ms, not 0.5 ms.
        let done = start + Duration::from_micros(7500);
        assert_eq!(corrected_latency_us(due, done), 5500);
        // An answer before the schedule cannot happen, but must not wrap around.
        assert_eq!(corrected_latency_us(done, due), 0);
    }

    #[test]
    fn open_loop_against_a_stalled_server_reports_the_queue() {
        // A server that answers one request every 50 ms, at 100 req/s offered on one connection:
        // most requests wait for the ones before them, and the corrected p99 must show that.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let mut pending = Vec::new();
            let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
            loop {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => pending.extend_from_slice(&buf[..n]),
                }
                while let Some(end) = find(&pending, b"\r\n\r\n") {
                    pending.drain(..end + 4);
                    std::thread::sleep(Duration::from_millis(50));
                    if s.write_all(reply).is_err() {
                        return;
                    }
                }
            }
        });
        let result = open_loop(addr, Protocol::Http, 1, 100.0, Duration::from_millis(500)).unwrap();
        // At most ~11 of the 50 scheduled requests got an answer; the rest were counted unsent.
        assert!(
            result.requests >= 1 && result.requests <= 12,
            "{}",
            result.requests
        );
        assert_eq!(result.latency.len(), 50);
        assert!(result.answered_share() <= 12.0 / 50.0);
        // Uncorrected, every latency would be ~50 ms; from the schedule, request i waits for the
        // i before it (~40 i + 50 ms) and the unsent ones for 500 - 10 i ms at least.
        assert!(result.percentile_us(0.5) > 100_000.0);
        assert!(result.percentile_us(1.0) > 300_000.0);
        drop(result);
        server.join().unwrap();
    }
}
