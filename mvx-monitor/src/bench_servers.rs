//! The servers of `mvx bench` and one measured lifetime of each: the C examples (fork per request,
//! thread per connection), Debian's lighttpd and nginx with a one-process, loopback-only
//! configuration serving one small static page, and redis-server without persistence.
//!
//! One lifetime: start (natively or under mvx), warm up, a saturated closed loop, then fixed-rate
//! open loops, then SIGTERM and `wait4`, whose rusage gives the CPU seconds of leader, followers
//! and monitor together.

use crate::bench_load::{self, LoadResult, Protocol};
use crate::bench_proc;
use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Connections of every load (as `wrk -c4`, `redis-benchmark -c 4`).
pub const CONNECTIONS: usize = 4;

/// Load at these fractions of the native peak for the latency columns.
pub const FIXED_RATE_FRACTIONS: [f64; 2] = [0.25, 0.5];

/// A directory with the page and the servers' configuration files; removed on drop.
pub struct Site {
    dir: PathBuf,
}

impl Site {
    pub fn create() -> Result<Site> {
        let dir = std::env::temp_dir().join(format!("mvx-bench-site-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("www"))
            .with_context(|| format!("creating {}", dir.display()))?;
        let page = "<html><body>".to_string() + &"mvx bench page ".repeat(40) + "</body></html>\n";
        std::fs::write(dir.join("www/index.html"), page)?;
        Ok(Site { dir })
    }

    fn www(&self) -> PathBuf {
        self.dir.join("www")
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where a server listens.
enum Port {
    /// Printed by the server as its first line, `port N` (the C examples).
    Printed,
    Fixed(u16),
}

/// What drives the saturated load.
enum Saturator {
    /// This bench's own generator, closed loop.
    Own,
    /// `redis-benchmark -t get,set -c 4 -P 1`.
    RedisBenchmark,
}

pub struct Server {
    pub name: String,
    pub argv: Vec<String>,
    /// A short name for the summary.
    pub short: &'static str,
    port: Port,
    protocol: Protocol,
    saturator: Saturator,
}

/// The rates of the open loops.
pub enum Rates {
    /// Fractions of the peak this very lifetime measures (the first native run).
    OfOwnPeak,
    Fixed(Vec<f64>),
}

/// What one lifetime measured.
pub struct Measured {
    /// Saturated requests/s.
    pub peak: f64,
    /// Per open-loop rate: (rate, p50 µs, p99 µs, share of the scheduled requests answered).
    pub fixed: Vec<(f64, f64, f64, f64)>,
    /// CPU seconds per request (all processes of the server, from the start of the load).
    pub cpu_per_request: f64,
}

/// A port that was free a moment ago.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn installed(program: &str) -> Option<String> {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

/// The example binary, or a line saying why its row is skipped.
fn example(binary: &str, what: &str) -> Option<String> {
    if Path::new(binary).is_file() {
        Some(binary.into())
    } else {
        eprintln!("mvx bench: no {binary} (make -C examples): {what} row skipped");
        None
    }
}

impl Server {
    pub fn httpd(binary: &str) -> Option<Server> {
        Some(Server {
            name: "httpd example (fork per request)".into(),
            short: "httpd",
            argv: vec![example(binary, "httpd")?, "0".into(), "0".into()],
            port: Port::Printed,
            protocol: Protocol::Http,
            saturator: Saturator::Own,
        })
    }

    pub fn tinyhttpd(binary: &str, site: &Site) -> Option<Server> {
        Some(Server {
            name: "tinyhttpd example (thread per connection)".into(),
            short: "tinyhttpd",
            argv: vec![
                example(binary, "tinyhttpd")?,
                "0".into(),
                site.www().display().to_string(),
            ],
            port: Port::Printed,
            protocol: Protocol::Http,
            saturator: Saturator::Own,
        })
    }

    /// lighttpd in the foreground (`-D`), one process, if installed.
    pub fn lighttpd(site: &Site) -> Result<Option<Server>> {
        let Some(binary) = installed("lighttpd") else {
            eprintln!("mvx bench: no lighttpd (apt-get install lighttpd): row skipped");
            return Ok(None);
        };
        let port = free_port()?;
        let conf = site.dir.join("lighttpd.conf");
        std::fs::write(
            &conf,
            format!(
                "server.document-root = \"{}\"\nserver.port = {port}\nserver.bind = \"127.0.0.1\"\n\
                 server.errorlog = \"{}\"\nindex-file.names = (\"index.html\")\n\
                 mimetype.assign = (\".html\" => \"text/html\")\n",
                site.www().display(),
                site.dir.join("lighttpd-error.log").display()
            ),
        )?;
        Ok(Some(Server {
            name: "lighttpd (1 process, static page)".into(),
            short: "lighttpd",
            argv: vec![binary, "-D".into(), "-f".into(), conf.display().to_string()],
            port: Port::Fixed(port),
            protocol: Protocol::Http,
            saturator: Saturator::Own,
        }))
    }

    /// nginx without daemon and master process (one process), if installed.
    pub fn nginx(site: &Site) -> Result<Option<Server>> {
        let Some(binary) = installed("nginx") else {
            eprintln!("mvx bench: no nginx (apt-get install nginx-light): row skipped");
            return Ok(None);
        };
        let port = free_port()?;
        let conf = site.dir.join("nginx.conf");
        std::fs::write(
            &conf,
            format!(
                "daemon off;\nmaster_process off;\nworker_processes 1;\npid {dir}/nginx.pid;\n\
                 error_log {dir}/nginx-error.log;\nevents {{ worker_connections 64; }}\n\
                 http {{ access_log off; server {{ listen 127.0.0.1:{port}; root {www}; }} }}\n",
                dir = site.dir.display(),
                www = site.www().display()
            ),
        )?;
        Ok(Some(Server {
            name: "nginx (1 process, static page)".into(),
            short: "nginx",
            argv: vec![
                binary,
                "-c".into(),
                conf.display().to_string(),
                "-p".into(),
                site.dir.display().to_string(),
            ],
            port: Port::Fixed(port),
            protocol: Protocol::Http,
            saturator: Saturator::Own,
        }))
    }

    /// redis-server without persistence, loaded by redis-benchmark, if both are installed.
    pub fn redis(site: &Site) -> Result<Option<Server>> {
        let (Some(binary), Some(_)) = (installed("redis-server"), installed("redis-benchmark"))
        else {
            eprintln!(
                "mvx bench: no redis-server or redis-benchmark (apt-get install redis-server \
                 redis-tools): row skipped"
            );
            return Ok(None);
        };
        let port = free_port()?;
        Ok(Some(Server {
            name: "redis-server (GET/SET, redis-benchmark)".into(),
            short: "redis",
            argv: [
                binary.as_str(),
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                &site.dir.display().to_string(),
                "--logfile",
                "",
            ]
            .map(String::from)
            .to_vec(),
            port: Port::Fixed(port),
            protocol: Protocol::Redis,
            saturator: Saturator::RedisBenchmark,
        }))
    }

    /// One lifetime of the server started by `cmd` (its argv, natively or under mvx): a
    /// saturated load for `saturate`, then an open loop of `fixed` at each rate.
    pub fn measure(
        &self,
        cmd: &mut Command,
        saturate: Duration,
        fixed: Duration,
        rates: &Rates,
    ) -> Result<Measured> {
        // Only the C examples' first line is read; a pipe nobody reads could fill and stall
        // a server that logs to stdout (redis).
        let stdout = match self.port {
            Port::Printed => Stdio::piped(),
            Port::Fixed(_) => Stdio::null(),
        };
        let child = cmd
            .stdout(stdout)
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", self.name))?;
        let mut running = Running {
            child,
            reaped: false,
        };
        let result = self.load(&mut running, saturate, fixed, rates);
        let reaped = running.stop();
        if let Port::Fixed(port) = self.port {
            // The next lifetime must not find this one still listening.
            let deadline = Instant::now() + Duration::from_secs(5);
            while TcpStream::connect(("127.0.0.1", port)).is_ok() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let (mut measured, cpu_before, requests) =
            result.with_context(|| format!("benchmarking {}", self.name))?;
        let reaped = reaped?;
        if reaped.killed {
            eprintln!(
                "mvx bench: {} did not end on SIGTERM and was killed",
                self.name
            );
        }
        measured.cpu_per_request = (reaped.cpu_seconds - cpu_before).max(0.0) / requests as f64;
        Ok(measured)
    }

    /// The loads of one lifetime; returns what they measured, the CPU used before them and the
    /// requests they made.
    fn load(
        &self,
        running: &mut Running,
        saturate: Duration,
        fixed: Duration,
        rates: &Rates,
    ) -> Result<(Measured, f64, u64)> {
        let port = self.wait_ready(&mut running.child)?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        // Warm-up (first connections, lazy loading), and an estimate of the rate for
        // redis-benchmark's request count.
        let warm =
            bench_load::closed_loop(addr, self.protocol, CONNECTIONS, saturate.mul_f64(0.2))?;
        check_load(&warm)?;
        let cpu_before = bench_proc::tree_cpu_seconds(running.child.id() as i32);
        let (peak, mut requests) = match self.saturator {
            Saturator::Own => {
                let load = bench_load::closed_loop(addr, self.protocol, CONNECTIONS, saturate)?;
                check_load(&load)?;
                (load.rate(), load.requests)
            }
            Saturator::RedisBenchmark => {
                // GET and SET each for about half the time, at the warm-up's rate.
                let per_test = ((warm.rate() * saturate.as_secs_f64() / 2.0) as u64).max(200);
                (redis_benchmark(port, per_test)?, 2 * per_test)
            }
        };
        let rates = match rates {
            Rates::OfOwnPeak => FIXED_RATE_FRACTIONS.iter().map(|f| f * peak).collect(),
            Rates::Fixed(r) => r.clone(),
        };
        let mut measured = Measured {
            peak,
            fixed: Vec::new(),
            cpu_per_request: f64::NAN,
        };
        for rate in rates {
            let load = bench_load::open_loop(addr, self.protocol, CONNECTIONS, rate, fixed)?;
            check_load(&load)?;
            requests += load.requests;
            measured.fixed.push((
                rate,
                load.percentile_us(0.5),
                load.percentile_us(0.99),
                load.answered_share(),
            ));
        }
        Ok((measured, cpu_before, requests.max(1)))
    }

    fn wait_ready(&self, child: &mut Child) -> Result<u16> {
        let port = match self.port {
            Port::Printed => {
                let mut first = String::new();
                BufReader::new(child.stdout.take().context("server stdout")?)
                    .read_line(&mut first)?;
                first
                    .trim()
                    .strip_prefix("port ")
                    .context("the server printed no port")?
                    .parse()?
            }
            Port::Fixed(port) => port,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait()? {
                bail!("the server ended before serving: {status}");
            }
            if Instant::now() > deadline {
                bail!("the server did not listen on port {port} within 15 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(port)
    }
}

/// A started server, stopped (SIGTERM, then SIGKILL) and reaped however the run ends.
struct Running {
    child: Child,
    reaped: bool,
}

impl Running {
    fn stop(&mut self) -> Result<bench_proc::Reaped> {
        self.reaped = true;
        bench_proc::terminate_and_reap(self.child.id() as i32, Duration::from_secs(5))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = self.stop();
        }
    }
}

/// A load whose requests mostly failed measured nothing.
fn check_load(load: &LoadResult) -> Result<()> {
    if load.requests == 0 || load.failures > load.requests / 10 {
        bail!(
            "{} requests, {} failed: the server is not serving",
            load.requests,
            load.failures
        );
    }
    Ok(())
}

/// requests/s of `redis-benchmark -t get,set` with `requests` each (the harmonic mean of the
/// two, i.e. all requests over all the time).
fn redis_benchmark(port: u16, requests: u64) -> Result<f64> {
    let out = Command::new("redis-benchmark")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-q",
            "-t",
            "get,set",
        ])
        .args(["-n", &requests.to_string(), "-c", "4", "-P", "1"])
        .stdin(Stdio::null())
        .output()
        .context("running redis-benchmark")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "redis-benchmark failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let rates = parse_redis_benchmark(&text)?;
    Ok(rates.len() as f64 / rates.iter().map(|r| 1.0 / r).sum::<f64>())
}

/// The requests/s of each test in `redis-benchmark -q`'s output ("SET: 51282.05 requests per
/// second, p50=0.047 msec"; progress lines end in '\r').
pub fn parse_redis_benchmark(text: &str) -> Result<Vec<f64>> {
    let rates: Vec<f64> = text
        .split(['\r', '\n'])
        .filter_map(|line| {
            let (_, rest) = line.split_once(": ")?;
            let number = rest.strip_suffix(" requests per second").or_else(|| {
                let (n, _) = rest.split_once(" requests per second,")?;
                Some(n)
            })?;
            number.trim().parse().ok()
        })
        .collect();
    if rates.len() != 2 {
        bail!("expected a GET and a SET rate in redis-benchmark's output: {text:?}");
    }
    Ok(rates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_benchmark_output_with_progress_lines() {
        let text = "SET: rps=0.0 (overall: nan) avg_msec=nan (overall: nan)\r\
                    SET: 51282.05 requests per second, p50=0.047 msec\n\
                    GET: rps=31000.0 (overall: 31000.0) avg_msec=0.1\r\
                    GET: 40000.00 requests per second, p50=0.039 msec\n\n";
        assert_eq!(
            parse_redis_benchmark(text).unwrap(),
            vec![51282.05, 40000.0]
        );
        // Older versions print no percentile.
        let old = "SET: 100.00 requests per second\nGET: 50.00 requests per second\n";
        assert_eq!(parse_redis_benchmark(old).unwrap(), vec![100.0, 50.0]);
        assert!(parse_redis_benchmark("Could not connect\n").is_err());
    }
}
