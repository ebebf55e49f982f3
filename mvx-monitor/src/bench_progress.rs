//! `mvx bench`'s progress: one line per finished row on stderr, with how far along the bench
//! is and an estimate of the time left (the mean time of the rows so far times the rows to
//! go). Always printed, one plain line each: a bench takes minutes to an hour and is mostly
//! run with its output in a log, where redrawn lines would come out garbled.

use std::time::{Duration, Instant};

pub struct Progress {
    started: Instant,
    planned: usize,
    done: usize,
}

impl Progress {
    pub fn new(planned: usize) -> Self {
        Progress {
            started: Instant::now(),
            planned,
            done: 0,
        }
    }

    /// Rows a group found to measure once it started (servers that are installed).
    pub fn plan_more(&mut self, rows: usize) {
        self.planned += rows;
    }

    /// A group that will not run after all (its program is missing).
    pub fn plan_fewer(&mut self, rows: usize) {
        self.planned = self.planned.saturating_sub(rows).max(self.done);
    }

    /// Records one finished row and prints its line.
    pub fn row_done(&mut self, name: &str) {
        self.done += 1;
        self.planned = self.planned.max(self.done);
        eprintln!("{}", self.line(name, self.started.elapsed()));
    }

    fn line(&self, name: &str, elapsed: Duration) -> String {
        let left = self.planned - self.done;
        let eta = if left == 0 {
            "the last row".to_string()
        } else {
            let per_row = elapsed.as_secs_f64() / self.done.max(1) as f64;
            format!("about {} left", human(per_row * left as f64))
        };
        format!(
            "mvx bench: [{}/{}] {name} done after {}; {eta}",
            self.done,
            self.planned,
            human(elapsed.as_secs_f64())
        )
    }
}

/// Seconds as "42 s", "3 min 5 s" or "1 h 2 min".
fn human(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_is_the_mean_row_time_times_the_rows_left() {
        let mut p = Progress::new(4);
        p.done = 1;
        assert_eq!(
            p.line("getpid", Duration::from_secs(30)),
            "mvx bench: [1/4] getpid done after 30 s; about 1 min 30 s left"
        );
        p.done = 4;
        assert_eq!(
            p.line("redis", Duration::from_secs(3725)),
            "mvx bench: [4/4] redis done after 1 h 2 min; the last row"
        );
    }

    #[test]
    fn the_plan_grows_and_shrinks_but_never_below_what_is_done() {
        let mut p = Progress::new(2);
        p.done = 2;
        p.plan_fewer(5);
        assert_eq!(p.planned, 2);
        p.plan_more(3);
        assert_eq!(p.planned, 5);
    }
}
