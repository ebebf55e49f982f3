//! The workload of the sync benchmark (mvx-monitor/benches/sync.rs): MODE COUNT, where MODE is
//! `bare` (the operation alone), `sync` (each result synced from the leader), `lock` (two
//! threads handing a runtime Mutex back and forth) or `stdlock` (the same with std's Mutex).

use std::sync::Arc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("sync");
    let count: u64 = args.get(2).and_then(|c| c.parse().ok()).unwrap_or(100_000);
    let mut acc = 0u64;
    match mode {
        "bare" => {
            for i in 0..count {
                acc = acc.wrapping_add(std::hint::black_box(i));
            }
        }
        "sync" => {
            for i in 0..count {
                acc = acc.wrapping_add(mvx_sync_runtime::sync_value(1, std::hint::black_box(i)));
            }
        }
        "lock" => {
            let m = Arc::new(mvx_sync_runtime::Mutex::new(0u64));
            let other = {
                let m = m.clone();
                std::thread::spawn(move || {
                    for _ in 0..count / 2 {
                        *m.lock() += 1;
                    }
                })
            };
            for _ in 0..count / 2 {
                *m.lock() += 1;
            }
            other.join().unwrap();
            acc = *m.lock();
        }
        "stdlock" => {
            let m = Arc::new(std::sync::Mutex::new(0u64));
            let other = {
                let m = m.clone();
                std::thread::spawn(move || {
                    for _ in 0..count / 2 {
                        *m.lock().unwrap() += 1;
                    }
                })
            };
            for _ in 0..count / 2 {
                *m.lock().unwrap() += 1;
            }
            other.join().unwrap();
            acc = *m.lock().unwrap();
        }
        other => panic!("unknown mode {other}"),
    }
    println!("{mode} {count} {acc}");
}
