//! `mvx bench --only remote --remote HOST:PORT ...`: lighttpd with its follower variant on
//! another host (where `mvx follower` runs), each of dMVX's techniques on and off, against
//! native and against the local two-variant mode. `benches/remote.sh` makes the two "hosts"
//! (network namespaces joined by a veth pair) and runs it at 0 ms and 1 ms of added delay.

use crate::bench_servers::{Measured, Rates, Server, Site};
use anyhow::Result;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// One way of running the server.
struct Mode {
    name: &'static str,
    /// What is switched on, for the table.
    what: &'static str,
    /// `mvx run` options (`None`: natively).
    mvx: Option<Vec<String>>,
}

/// The modes, in the order of the table's columns.
fn modes(remote: &[String]) -> Vec<Mode> {
    let with = |level: &str, extra: &[&str]| {
        let mut v: Vec<String> = vec!["--monitor-level".into(), level.into()];
        v.extend(remote.iter().cloned());
        v.extend(extra.iter().map(|s| s.to_string()));
        Some(v)
    };
    vec![
        Mode {
            name: "native",
            what: "no monitor",
            mvx: None,
        },
        Mode {
            name: "local 2",
            what: "2 variants on this host, socket-rw (in-process fast path)",
            mvx: Some(vec![
                "-n".into(),
                "2".into(),
                "--monitor-level".into(),
                "socket-rw".into(),
            ]),
        },
        Mode {
            name: "remote strict",
            what: "leader here, follower remote; every call in lock-step over the network",
            mvx: with("strict", &[]),
        },
        Mode {
            name: "remote relaxed, sync",
            what: "socket-rw's selective monitoring, every call waits for the follower",
            mvx: with("socket-rw", &["--no-async-replication"]),
        },
        Mode {
            name: "remote relaxed, async, no fd prediction",
            what: "as below, but a call making an fd (accept) waits for the follower",
            mvx: with("socket-rw", &["--no-fd-prediction"]),
        },
        Mode {
            name: "remote relaxed, async",
            what: "selective monitoring, asynchronous replication and fd prediction",
            mvx: with("socket-rw", &[]),
        },
    ]
}

/// Runs the rows; `remote` is the `--remote HOST:PORT` and link options of `mvx run`.
pub fn run(mvx: &Path, remote: &[String], rounds: usize, quick: bool) -> Result<()> {
    let (saturate, fixed) = if quick {
        (Duration::from_millis(1500), Duration::from_millis(1000))
    } else {
        (Duration::from_secs(4), Duration::from_secs(3))
    };
    let site = Site::create()?;
    let Some(server) = Server::lighttpd(&site)? else {
        eprintln!(
            "mvx bench: lighttpd is not installed (apt-get install lighttpd): no remote rows"
        );
        return Ok(());
    };
    let modes = modes(remote);
    let mut runs: Vec<Vec<Measured>> = modes.iter().map(|_| Vec::new()).collect();
    let mut rates: Option<Vec<f64>> = None;
    for round in 0..rounds {
        for (i, mode) in modes.iter().enumerate() {
            let plan = match &rates {
                None if mode.mvx.is_none() => Rates::OfOwnPeak,
                Some(r) => Rates::Fixed(r.clone()),
                None => Rates::Fixed(Vec::new()),
            };
            let mut cmd = match &mode.mvx {
                None => Command::new(&server.argv[0]),
                Some(opts) => {
                    let mut c = Command::new(mvx);
                    c.arg("run").args(opts).arg("--").arg(&server.argv[0]);
                    c
                }
            };
            cmd.args(&server.argv[1..]);
            match server.measure(&mut cmd, saturate, fixed, &plan) {
                Ok(m) => {
                    if rates.is_none() && mode.mvx.is_none() {
                        rates = Some(m.fixed.iter().map(|f| f.0).collect());
                    }
                    runs[i].push(m);
                }
                Err(e) => eprintln!("mvx bench: {} ({}): {e:#}", mode.name, server.name),
            }
        }
        eprintln!("mvx bench: remote round {} of {rounds} done", round + 1);
    }
    let med = |i: usize, f: &dyn Fn(&Measured) -> Option<f64>| {
        let v: Vec<f64> = runs[i].iter().filter_map(f).collect();
        if v.is_empty() {
            f64::NAN
        } else {
            crate::bench::median(v)
        }
    };
    println!(
        "\nlighttpd, follower on the other host (medians of {rounds} rounds; ratio to native):"
    );
    println!("| mode | req/s saturated | p50 µs at 25% of native peak | CPU µs per request |");
    println!("|---|---|---|---|");
    let native = (
        med(0, &|m| Some(m.peak)),
        med(0, &|m| m.fixed.first().map(|f| f.1)),
        med(0, &|m| Some(m.cpu_per_request * 1e6)),
    );
    for (i, mode) in modes.iter().enumerate() {
        let peak = med(i, &|m| Some(m.peak));
        let p50 = med(i, &|m| m.fixed.first().map(|f| f.1));
        let cpu = med(i, &|m| Some(m.cpu_per_request * 1e6));
        println!(
            "| {} | {peak:.0} ({:.2}x) | {p50:.0} ({:.2}x) | {cpu:.0} ({:.2}x) |",
            mode.name,
            peak / native.0,
            p50 / native.1,
            cpu / native.2
        );
    }
    println!();
    for mode in &modes {
        println!("- {}: {}", mode.name, mode.what);
    }
    Ok(())
}
