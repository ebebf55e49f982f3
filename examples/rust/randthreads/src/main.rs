//! Four threads roll random numbers and append them to a shared log, printing as they go.
//! Annotated for mvx: the rolls are synced from the leader (`#[mvx_sync(ret)]`) and the log's
//! lock is taken in the leader's order (`mvx_sync_runtime::Mutex`), so every variant prints the
//! same lines. `src/bin/plain.rs` is the same program without the annotations.

use mvx_macros::mvx_sync;
use mvx_sync_runtime::Mutex;
use std::sync::Arc;

#[mvx_sync(ret)]
fn roll() -> u32 {
    rand::random::<u32>() % 100
}

fn main() {
    // Lazy process-wide setup (the rand crate probes getrandom once) is done by whichever
    // thread comes first, which differs between variants: do it before the threads start.
    let _ = roll();
    let log = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                for _ in 0..50 {
                    let v = roll();
                    let mut entries = log.lock();
                    entries.push(v);
                    println!("thread {t} rolled {v:2}, {} entries", entries.len());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let total: u32 = log.lock().iter().sum();
    println!("total {total}");
}
