//! The HTTP servers of `mvx bench`: the C httpd example, and Debian's lighttpd and nginx with a
//! one-process, loopback-only configuration serving one small static page; and the `wrk` run
//! against each.

use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    /// Printed by the server as its first line, `port N` (the httpd example).
    Printed,
    Fixed(u16),
}

pub struct Server {
    pub name: String,
    pub argv: Vec<String>,
    port: Port,
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

impl Server {
    pub fn httpd(binary: &str) -> Server {
        Server {
            name: "httpd example (fork per request), wrk -c4".into(),
            argv: vec![binary.into(), "0".into(), "0".into()],
            port: Port::Printed,
        }
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
            name: "lighttpd (1 process, static page), wrk -c4".into(),
            argv: vec![binary, "-D".into(), "-f".into(), conf.display().to_string()],
            port: Port::Fixed(port),
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
            name: "nginx (1 process, static page), wrk -c4".into(),
            argv: vec![
                binary,
                "-c".into(),
                conf.display().to_string(),
                "-p".into(),
                site.dir.display().to_string(),
            ],
            port: Port::Fixed(port),
        }))
    }

    /// Starts the server by `cmd` (its argv, natively or under mvx), loads it with wrk for
    /// `seconds`, stops it; returns requests per second.
    pub fn serve_and_load(&self, cmd: &mut Command, seconds: &str) -> Result<f64> {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", self.name))?;
        let ready = self.wait_ready(&mut child);
        let result = ready.and_then(|port| load(port, seconds));
        let _ = child.kill();
        let _ = child.wait();
        if let Port::Fixed(port) = self.port {
            // Killed under mvx, the variants end a moment after mvx: the next run must not
            // find them still listening.
            let deadline = Instant::now() + Duration::from_secs(5);
            while TcpStream::connect(("127.0.0.1", port)).is_ok() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        result.with_context(|| format!("benchmarking {}", self.name))
    }

    fn wait_ready(&self, child: &mut std::process::Child) -> Result<u16> {
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

fn load(port: u16, seconds: &str) -> Result<f64> {
    let out = Command::new("wrk")
        .args([
            "-t1",
            "-c4",
            "-d",
            seconds,
            &format!("http://127.0.0.1:{port}/"),
        ])
        .output()
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || text.is_empty() {
        bail!(
            "wrk failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    if let Some(errors) = text.lines().find(|l| l.contains("Non-2xx")) {
        bail!("wrk saw failed requests: {errors}");
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("no Requests/sec in wrk's output: {text}"))
}
