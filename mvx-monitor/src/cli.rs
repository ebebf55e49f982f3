//! The `mvx` command line.

use crate::config::{Config, Level, Policy};
use crate::exit_status;
use crate::monitor::Monitor;
use crate::report::{Outcome, Report};
use crate::spawn::{resolve_program, StartError};
use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::ffi::{CString, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "mvx",
    version,
    about = "Multi-variant execution: run diversified variants of a program in lock-step and catch divergence"
)]
pub struct Cli {
    /// Log what the monitor does (repeat for more detail); RUST_LOG also works.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a program as N variants in syscall lock-step.
    Run(RunArgs),
    /// Measure workloads natively, under strace and under mvx, and print the ratios.
    Bench(crate::bench::BenchArgs),
    /// Serve runs of `mvx run --remote`: run their follower variants on this host.
    Follower(FollowerArgs),
    /// Show a report of `mvx run --report` as text, or as an HTML page with --html.
    Report(crate::report::ReportArgs),
    /// Check what this machine allows and what mvx does about it.
    ///
    /// One line per check (kernel, ptrace, seccomp, cpuid faulting, rdtsc trapping, Syscall
    /// User Dispatch, the preload and runtime libraries, clang-19 and the plugin, /dev/shm):
    /// OK, degraded (what mvx loses) or missing (how to fix it). Exits 1 if anything is missing.
    Doctor,
    /// Print a shell completion script (for `make install`).
    #[command(hide = true)]
    Completions(crate::completions::CompletionsArgs),
    /// Write the man pages into a directory (for `make install`).
    #[command(hide = true)]
    Man(crate::completions::ManArgs),
}

/// How links between hosts are secured (`mvx run --remote`, `mvx follower`).
#[derive(clap::Args, Debug, Default)]
pub struct LinkArgs {
    /// This host's certificate (PEM), signed by a CA the other host trusts.
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// The private key of --cert (PEM).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The CA (PEM) that the other host's certificate must chain to.
    #[arg(long, value_name = "FILE")]
    pub peer_ca: Option<PathBuf>,
    /// No authentication and no encryption, for demos on loopback addresses only.
    #[arg(long)]
    pub insecure: bool,
}

impl LinkArgs {
    /// These options as they are given to `mvx run`.
    pub fn run_options(&self) -> Vec<String> {
        let mut v = Vec::new();
        for (flag, file) in [
            ("--cert", &self.cert),
            ("--key", &self.key),
            ("--peer-ca", &self.peer_ca),
        ] {
            if let Some(f) = file {
                v.extend([flag.to_string(), f.display().to_string()]);
            }
        }
        if self.insecure {
            v.push("--insecure".into());
        }
        v
    }

    fn security(&self) -> Result<crate::remote::tls::Security> {
        crate::remote::tls::Security::from_args(
            self.cert.clone(),
            self.key.clone(),
            self.peer_ca.clone(),
            self.insecure,
        )
    }
}

#[derive(clap::Args, Debug)]
pub struct FollowerArgs {
    /// The address to listen on (ADDR:PORT).
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: String,
    /// Serve one run, then exit with the status of its session.
    #[arg(long)]
    pub once: bool,
    #[command(flatten)]
    pub link: LinkArgs,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Number of copies of PROG to run on this host (1 = transparent mode; default 2, or 1
    /// with --remote). Ignored with --variant.
    #[arg(short = 'n', long = "variants",
          value_parser = clap::value_parser!(u8).range(1..=8))]
    pub n: Option<u8>,
    /// Run a follower variant on the follower host HOST:PORT (where `mvx follower --listen`
    /// runs); repeat for more. The program and the files it reads must be the same at the
    /// same paths there (the executable is checked). With --variant, the last variants run
    /// remotely.
    #[arg(long, value_name = "HOST:PORT")]
    pub remote: Vec<String>,
    /// Make remote followers keep step at every call (by default a call the monitor level
    /// does not hold security-sensitive goes ahead without waiting for them; they are checked
    /// when they get there, before any sensitive call runs).
    #[arg(long)]
    pub no_async_replication: bool,
    /// With asynchronous replication: calls that create an fd (accept) wait for remote
    /// followers, instead of going ahead and giving them a placeholder at the leader's number
    /// when they get there (for measurement).
    #[arg(long)]
    pub no_fd_prediction: bool,
    /// Files under DIR are read and written by every variant on its own host's copy instead
    /// of by the leader alone and replicated (dMVX's selective replication; repeat for more).
    /// Every follower must run on another host (-n 1), and each host must have its own DIR
    /// with the same contents at the start.
    #[arg(long, value_name = "DIR")]
    pub host_local: Vec<PathBuf>,
    #[command(flatten)]
    pub link: LinkArgs,
    /// A variant binary (repeat: the first is the leader). The command line after `--` is
    /// then the arguments only.
    #[arg(long = "variant", value_name = "PATH")]
    pub variant: Vec<PathBuf>,
    /// Equivalence rules: which differences between the variants are benign (extra memory
    /// calls of one variant, arguments to ignore or mask, paths that name the same file);
    /// repeat for more files. The language is in the README ("Equivalence rules"). A rule
    /// can never let a call with an effect outside the process differ.
    #[arg(long, value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Do not apply the rules shipped for the variants mvx-cc and cargo mvx build (applied
    /// when the --variant paths are theirs: prog.v0, prog.v1, ... or target/mvx/vK/...).
    #[arg(long)]
    pub no_builtin_rules: bool,
    /// Write a JSON report of the run to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write the report as one self-contained HTML page to FILE (see `mvx report --html`).
    #[arg(long, value_name = "FILE")]
    pub report_html: Option<PathBuf>,
    /// What to do on divergence.
    #[arg(long, value_enum, default_value_t = PolicyArg::Kill)]
    pub policy: PolicyArg,
    /// Seconds a variant may lag behind the first arrival at a syscall before it counts as
    /// non-complying.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub window: f64,
    /// Keep address-space layout randomisation on in the variants (off by default: address
    /// alignment changes what some allocators do, which would make honest variants diverge).
    #[arg(long)]
    pub aslr: bool,
    /// Give every variant the same layout (by default each follower's mmap area, stack and
    /// executable are 64 GiB × its index further down than the leader's, so no address is
    /// valid in two variants).
    #[arg(long)]
    pub no_partition: bool,
    /// Keep a position-independent executable where the kernel puts it (by default a
    /// follower's is moved into its own area at exec, with its stack).
    #[arg(long)]
    pub no_partition_executable: bool,
    /// Seconds a variant may take to stop for a signal the others have, before it counts as
    /// non-complying.
    #[arg(long, value_name = "SECS", default_value_t = 2.0)]
    pub signal_wait: f64,
    /// Which syscalls stop in the monitor: `strict` (all, the default); `base` (process-local
    /// memory and signal-mask calls run unmonitored, identity and clock reads take the fast
    /// path); `nonsocket-ro`, `nonsocket-rw`, `socket-ro`, `socket-rw` (reads, then writes, of
    /// files/pipes/ttys, then of sockets, take the fast path: the leader makes them, followers
    /// check theirs against its record and take its results, without a monitor round trip).
    /// Executable memory, exec, clone, opens and everything else stay in lock-step.
    /// $MVX_MONITOR_LEVEL sets the default.
    #[arg(long, env = "MVX_MONITOR_LEVEL", default_value_t = crate::seccomp::Level::Strict,
          value_parser = clap::builder::TypedValueParser::try_map(
              clap::builder::PossibleValuesParser::new(crate::seccomp::Level::NAMES),
              |s| s.parse::<crate::seccomp::Level>()))]
    pub monitor_level: crate::seccomp::Level,
    /// Print signal delivery statistics (count, skipped syscalls, delay) when the run ends.
    #[arg(long)]
    pub stats: bool,
    /// Preload libmvx_preload.so into the variants: libc's nondeterministic calls (rand, time,
    /// clock_gettime, getrandom, getpid, ...) and pthread lock order are replayed from the
    /// leader. The library is looked up in $MVX_PRELOAD_LIB, beside the mvx binary, then in
    /// PREFIX/lib/mvx.
    #[arg(long)]
    pub preload: bool,
    /// Pad each small heap allocation (malloc, calloc, realloc below 64 KiB) by 16 bytes more
    /// per follower (none in the leader), through the preload library: heap objects lie at
    /// other distances from each other in each variant, so an overflow from one into the next
    /// (a flag, a length, a pointer) lands elsewhere in each and the variants diverge. The
    /// memory calls this shifts are run alone by the rules shipped for it.
    #[arg(long)]
    pub heap_padding: bool,
    /// Do not replicate the random bytes of libraries that mix addresses into their
    /// generators (OpenSSL's RAND_bytes, RAND_priv_bytes and their _ex forms, NSS's
    /// PK11_GenerateRandom): by default mvx preloads libmvx_preload.so for them at every
    /// level, because partitioning gives each variant different addresses and so different
    /// bytes. With this switch the library is loaded only for --preload or the fast path.
    #[arg(long)]
    pub no_compat_wrappers: bool,
    /// Let signals through to each variant as they come instead of delivering them to all
    /// variants between the same two syscalls (for evaluation: expect false alarms).
    #[arg(long)]
    pub no_signal_sync: bool,
    /// When a rendezvous window expires, print the state of every lock-step group (where each
    /// variant is and what the monitor waits for) before the report. `kill -USR2` on mvx
    /// prints it at any time.
    #[arg(long)]
    pub dump_on_hang: bool,
    /// Where the monitor and the variants run on the CPUs mvx may use: `adaptive` (the
    /// default) puts the monitor and every variant on one CPU while the program is
    /// syscall-bound (many lock-stepped calls, its tasks mostly stopped), so that each stop/resume hand-off is a local context switch instead of
    /// a cross-CPU wake-up, and spreads them again once it computes (decided every 50 ms from
    /// the kernel's accounting; a program that starts sees every CPU for its first 0.5 s; a program that sets its
    /// own affinity keeps it); `split` shares the CPUs out among the variants (the leader
    /// first) and pins the monitor to the leader's share; `follow` pins only the monitor, to
    /// the CPU the leader last ran on (rechecked every few ms); `none` leaves everything to
    /// the scheduler.
    #[arg(long, value_enum, default_value_t = crate::monitor::placement::Placement::default())]
    pub placement: crate::monitor::placement::Placement,
    /// PROG ARGS... (or ARGS... with --variant).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// `--policy`, as clap parses it (`config::Policy` is what the monitor gets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, ValueEnum)]
pub enum PolicyArg {
    /// Kill every variant on divergence.
    #[default]
    Kill,
    /// With 3 or more variants: when a strict majority agrees with the leader, kill only the
    /// variants that differ and keep running. Nothing a minority variant asked for was
    /// executed (the divergence is found before the call runs), but the survivors are fewer
    /// and a second divergence may end the run. If the leader is in the minority, or no
    /// majority agrees, every variant is killed: the followers hold only placeholders for the
    /// leader's connections and cannot take over. `--monitor-level strict` only.
    Majority,
}

impl From<PolicyArg> for Policy {
    fn from(p: PolicyArg) -> Policy {
        match p {
            PolicyArg::Kill => Policy::Kill,
            PolicyArg::Majority => Policy::Majority,
        }
    }
}

/// Parses the command line, runs, and returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit_status::MONITOR_ERROR
            } else {
                0
            };
        }
    };
    init_logging(cli.verbose);
    let result = match cli.command {
        Command::Run(args) => run(args, cli.verbose),
        Command::Bench(args) => crate::bench::run(args),
        Command::Follower(args) => args
            .link
            .security()
            .and_then(|sec| crate::remote::agent::serve(&args.listen, &sec, args.once)),
        Command::Report(args) => crate::report::show(args),
        Command::Doctor => crate::doctor::run(),
        Command::Completions(args) => crate::completions::completions(&args),
        Command::Man(args) => crate::completions::man_pages(&args),
    };
    match result {
        Ok(status) => status,
        Err(e) => {
            if let Some(start) = e.downcast_ref::<StartError>() {
                eprintln!("mvx: {start}");
                return start.exit_status();
            }
            eprintln!("mvx: error: {e:#}");
            exit_status::MONITOR_ERROR
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "mvx_monitor=debug",
        _ => "mvx_monitor=trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn cstring(s: impl Into<Vec<u8>>) -> Result<CString> {
    CString::new(s).context("argument contains a NUL byte")
}

/// Builds the run configuration from the arguments.
pub fn config(args: &RunArgs) -> Result<Config> {
    anyhow::ensure!(args.window > 0.0, "--window must be positive");
    anyhow::ensure!(args.signal_wait > 0.0, "--signal-wait must be positive");
    anyhow::ensure!(args.variant.len() <= 8, "at most 8 variants are supported");
    let local = args.n.unwrap_or(if args.remote.is_empty() { 2 } else { 1 }) as usize;
    if args.policy == PolicyArg::Majority {
        let n = if args.variant.is_empty() {
            local + args.remote.len()
        } else {
            args.variant.len()
        };
        anyhow::ensure!(
            n >= 3,
            "--policy majority needs at least 3 variants (with 2 there is no majority)"
        );
        anyhow::ensure!(
            args.monitor_level == Level::Strict,
            "--policy majority needs --monitor-level strict (a follower on the fast path cannot \
             be taken out of the shared record rings yet)"
        );
    }
    let (programs, argv0, rest) = if args.variant.is_empty() {
        let (prog, rest) = args
            .command
            .split_first()
            .context("no program given: mvx run [-n N] -- PROG ARGS...")?;
        let prog_str = prog.to_string_lossy().into_owned();
        let path = resolve_program(&prog_str)?;
        (
            vec![path; local + args.remote.len()],
            prog.clone(),
            rest.to_vec(),
        )
    } else {
        let mut programs = Vec::new();
        for v in &args.variant {
            programs.push(resolve_program(&v.to_string_lossy())?);
        }
        (
            programs,
            args.variant[0].clone().into_os_string(),
            args.command.clone(),
        )
    };
    anyhow::ensure!(
        programs.len() <= 8,
        "at most 8 variants are supported ({} asked for)",
        programs.len()
    );
    anyhow::ensure!(
        programs.len() > args.remote.len(),
        "the leader runs on this host: give one --variant more than --remote"
    );
    let security = if args.remote.is_empty() {
        None
    } else {
        Some(args.link.security()?)
    };
    let mut argv = vec![cstring(argv0.into_vec())?];
    for a in rest {
        argv.push(cstring(a.into_vec())?);
    }
    let mut vars: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    let mut lib = preload_for(args, programs.len())?.map(OsString::from);
    if args.heap_padding {
        // Its own library, first: only runs that ask for padding get their allocator wrapped.
        let pad = crate::install_paths::heappad_library().context("--heap-padding")?;
        let mut both = pad.into_os_string();
        if let Some(l) = lib {
            both.push(":");
            both.push(l);
        }
        lib = Some(both);
    }
    if let Some(lib) = lib {
        let mut value = lib;
        if let Some(i) = vars.iter().position(|(k, _)| k == "LD_PRELOAD") {
            value.push(":");
            value.push(&vars.remove(i).1);
        }
        vars.push(("LD_PRELOAD".into(), value));
    }
    vars.retain(|(k, _)| k != "MVX_PRELOAD_SYNC" && k != "MVX_PRELOAD_COMPAT");
    if args.preload {
        vars.push(("MVX_PRELOAD_SYNC".into(), "1".into()));
    }
    vars.retain(|(k, _)| k != mvx_sync_runtime::protocol::HEAP_PAD_ENV);
    if args.heap_padding {
        vars.push((mvx_sync_runtime::protocol::HEAP_PAD_ENV.into(), "1".into()));
    }
    if compat_wrappers(args, programs.len()) {
        vars.push(("MVX_PRELOAD_COMPAT".into(), "1".into()));
    }
    if programs.len() > 1 {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        fix_malloc_arena_limit(&mut vars, 8 * cpus);
    }
    let envp = vars
        .into_iter()
        .map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            cstring(kv)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Config {
        programs,
        argv,
        envp,
        window: Duration::from_secs_f64(args.window),
        aslr: args.aslr,
        partition: !args.no_partition,
        partition_executable: !args.no_partition_executable,
        signal_sync: !args.no_signal_sync,
        signal_wait: Duration::from_secs_f64(args.signal_wait),
        level: args.monitor_level,
        policy: args.policy.into(),
        dump_on_hang: args.dump_on_hang,
        placement: args.placement,
        remotes: args
            .remote
            .iter()
            .map(|a| crate::remote::link::RemoteSpec { address: a.clone() })
            .collect(),
        security,
        async_replication: !args.no_async_replication,
        fd_prediction: !args.no_fd_prediction,
        host_local: host_local_dirs(args, local)?,
        rules: rules_of(args)?,
        heap_padding: args.heap_padding,
    })
}

/// The rules of `--rules`, and the ones shipped for mvx-cc's and cargo mvx's variants when
/// the variants are theirs.
fn rules_of(args: &RunArgs) -> Result<crate::rules::Rules> {
    let mut rules = crate::rules::Rules::default();
    // Diversified builds, and padded allocations, grow the heap at other moments in each
    // variant: the shipped rules let those memory calls run alone.
    if !args.no_builtin_rules && crate::rules::built_by_mvx_tools(&args.variant) {
        rules.add("mvx-cc's rules", crate::rules::MVX_CC_RULES)?;
    } else if !args.no_builtin_rules && args.heap_padding {
        rules.add("--heap-padding's rules", crate::rules::MVX_CC_RULES)?;
    }
    for path in &args.rules {
        rules.add_file(path)?;
    }
    Ok(rules)
}

/// `--host-local`'s directories, resolved; only with every follower on another host, which
/// alone keeps two variants from writing one copy.
fn host_local_dirs(args: &RunArgs, local: usize) -> Result<Vec<PathBuf>> {
    if args.host_local.is_empty() {
        return Ok(Vec::new());
    }
    anyhow::ensure!(
        !args.remote.is_empty() && local == 1 && args.variant.len() <= args.remote.len() + 1,
        "--host-local needs every follower on another host (--remote, and -n 1): variants on \
         one host would write one copy"
    );
    args.host_local
        .iter()
        .map(|d| {
            let real = std::fs::canonicalize(d)
                .with_context(|| format!("--host-local {}", d.display()))?;
            anyhow::ensure!(
                real.is_dir(),
                "--host-local {}: not a directory",
                d.display()
            );
            Ok(real)
        })
        .collect()
}

/// Whether the preload's library-randomness wrappers are on: by default, when there is more
/// than one variant to agree.
fn compat_wrappers(args: &RunArgs, variants: usize) -> bool {
    !args.no_compat_wrappers && variants > 1
}

/// Gives glibc's malloc a fixed arena limit (`limit`, its own default on 64-bit: 8 per CPU),
/// unless the user set one. Without it, the first time a thread finds every arena busy glibc
/// reads /sys/devices/system/cpu/online, under its arena-list lock, to size the limit; whether
/// a thread finds them busy depends on contention, so one variant makes that open and another
/// does not: a false divergence, or a thread waiting at the open's rendezvous while its twin
/// waits for the lock. With a fixed limit the arena a thread gets still differs, but only
/// memory calls follow, which run relaxed in multi-threaded processes.
fn fix_malloc_arena_limit(vars: &mut Vec<(OsString, OsString)>, limit: usize) {
    const KEY: &str = "glibc.malloc.arena_max";
    let setting = format!("{KEY}={limit}");
    match vars.iter_mut().find(|(k, _)| k == "GLIBC_TUNABLES") {
        Some((_, v)) if v.to_string_lossy().contains(KEY) => {}
        Some((_, v)) => {
            v.push(":");
            v.push(&setting);
        }
        None => vars.push(("GLIBC_TUNABLES".into(), setting.into())),
    }
}

/// The preload library the variants get, if any. `--preload` needs it; the fast path (levels
/// above `strict`) and the compat wrappers (by default) only want it, so without it they are
/// off, with one warning.
fn preload_for(args: &RunArgs, variants: usize) -> Result<Option<PathBuf>> {
    if args.preload {
        return preload_library().context("--preload").map(Some);
    }
    let fast = args.monitor_level > Level::Strict;
    let compat = compat_wrappers(args, variants);
    if !fast && !compat {
        return Ok(None);
    }
    match preload_library() {
        Ok(lib) => Ok(Some(lib)),
        Err(e) => {
            let mut off = Vec::new();
            if fast {
                off.push("no fast path (every call stops in the monitor)");
            }
            if compat {
                off.push(
                    "no compat wrappers (libraries that mix addresses into their random bytes, \
                     such as OpenSSL, make the variants diverge; --no-compat-wrappers silences this)",
                );
            }
            eprintln!("mvx: warning: {e:#}; {}", off.join(", "));
            Ok(None)
        }
    }
}

/// libmvx_preload.so: $MVX_PRELOAD_LIB, beside the mvx binary (cargo's target directory), or
/// in the install prefix's lib/mvx.
fn preload_library() -> Result<PathBuf> {
    let lib = crate::install_paths::preload_library()?;
    tracing::debug!("preload library: {}", lib.display());
    Ok(lib)
}

fn run(args: RunArgs, verbose: u8) -> Result<i32> {
    let cfg = config(&args)?;
    let n = cfg.programs.len();
    if !cfg.remotes.is_empty() && cfg.level > Level::Strict {
        eprintln!(
            "mvx: note: with --remote the in-process fast path is off (the record rings are not \
             mirrored to follower hosts yet): calls it would take stop in the monitor"
        );
    }
    let started = Monitor::start(cfg);
    let monitor = match started {
        Ok(m) => m,
        Err(e) => {
            crate::remote::link::close_all();
            return Err(e);
        }
    };
    if verbose > 0 {
        eprintln!(
            "mvx: pid {} runs variants [{}]; signals sent to mvx reach every variant",
            std::process::id(),
            monitor.pids().join(", ")
        );
    }
    let report = monitor.run();
    crate::remote::link::close_all();
    let report = report?;
    if let Some(d) = &report.divergence {
        eprint!("{}", d.render());
        let policy = match args.policy {
            PolicyArg::Kill => "kill",
            PolicyArg::Majority => "majority, none left in agreement",
        };
        eprintln!(
            "mvx: all {n} variants killed (policy: {policy}); exit status {}",
            exit_status::DIVERGENCE
        );
    }
    if args.stats {
        eprintln!(
            "mvx: {} syscalls in lock-step; {}",
            report.syscalls,
            report.signals.summary()
        );
        for (what, counts) in [
            ("lock-stepped by syscall", &report.syscalls_by_name),
            ("in the monitor outside lock-step", &report.unpaired_by_name),
            ("run alone by equivalence rules", &report.rules_used),
            (
                "answered on follower hosts without a round trip",
                &report.answered_on_follower_hosts,
            ),
        ] {
            if !counts.is_empty() {
                let top: Vec<String> = counts
                    .iter()
                    .take(16)
                    .map(|(name, n)| format!("{name} {n}"))
                    .collect();
                eprintln!("mvx: {what}: {}", top.join(", "));
            }
        }
    }
    if let Some(path) = &args.report {
        write_report(path, &report)?;
    }
    if let Some(path) = &args.report_html {
        crate::report::write_html(path, &report)?;
    }
    if report.outcome == Outcome::Divergence {
        return Ok(exit_status::DIVERGENCE);
    }
    Ok(report.exit_status)
}

fn write_report(path: &PathBuf, report: &Report) -> Result<()> {
    let json = serde_json::to_string_pretty(report)?;
    std::fs::write(path, json + "\n").with_context(|| format!("writing report {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tunables(vars: &[(OsString, OsString)]) -> Option<String> {
        vars.iter()
            .find(|(k, _)| k == "GLIBC_TUNABLES")
            .map(|(_, v)| v.to_string_lossy().into_owned())
    }

    #[test]
    fn malloc_gets_a_fixed_arena_limit_unless_the_user_set_one() {
        let mut none = vec![];
        fix_malloc_arena_limit(&mut none, 16);
        assert_eq!(
            tunables(&none).as_deref(),
            Some("glibc.malloc.arena_max=16")
        );

        let mut other = vec![("GLIBC_TUNABLES".into(), "glibc.malloc.check=3".into())];
        fix_malloc_arena_limit(&mut other, 16);
        assert_eq!(
            tunables(&other).as_deref(),
            Some("glibc.malloc.check=3:glibc.malloc.arena_max=16")
        );

        let mut own = vec![("GLIBC_TUNABLES".into(), "glibc.malloc.arena_max=2".into())];
        fix_malloc_arena_limit(&mut own, 16);
        assert_eq!(tunables(&own).as_deref(), Some("glibc.malloc.arena_max=2"));
    }
}
