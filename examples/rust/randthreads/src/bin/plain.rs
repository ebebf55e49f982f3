//! The same program as `randthreads` without the mvx annotations: under mvx its threads take
//! the lock in different orders in different variants, and mvx reports it.

use std::sync::{Arc, Mutex};

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
                    let mut entries = log.lock().unwrap();
                    entries.push(v);
                    println!("thread {t} rolled {v:2}, {} entries", entries.len());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let total: u32 = log.lock().unwrap().iter().sum();
    println!("total {total}");
}
