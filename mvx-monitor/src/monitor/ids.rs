//! Virtual pids: the program sees the leader's process and thread ids everywhere (getpid,
//! gettid and clone results are replicated from the leader), so pid arguments are translated
//! per variant: to the leader's ids for comparison, to the variant's own ids for execution.

use super::*;
use crate::capture::Value;
use crate::table::Arg;

impl Monitor {
    /// The virtual (leader's) id of variant `variant`'s task `real`; negative values name
    /// process groups. Unknown ids are returned unchanged.
    pub(super) fn pid_to_virtual(&self, variant: usize, real: i64) -> i64 {
        self.translate(real, variant, |t| {
            (self.tasks[t].variant == variant)
                .then(|| self.member(self.tasks[t].group, 0))
                .flatten()
        })
    }

    /// Variant `variant`'s own id for the virtual (leader's) id `virt`.
    pub(super) fn pid_to_real(&self, variant: usize, virt: i64) -> i64 {
        self.translate(virt, 0, |t| {
            (self.tasks[t].variant == 0)
                .then(|| self.member(self.tasks[t].group, variant))
                .flatten()
        })
    }

    /// `id` as variant `from` knows it, mapped to the id of its counterpart task.
    fn translate(
        &self,
        id: i64,
        from: usize,
        counterpart: impl Fn(TaskId) -> Option<TaskId>,
    ) -> i64 {
        // 0, -1 and other non-ids pass through; -pgid maps like pgid.
        let magnitude = id.unsigned_abs();
        if magnitude <= 1 || magnitude > i32::MAX as u64 {
            return id;
        }
        // A remote variant's ids are its host's: the monitor knows its tasks by host pids.
        let key = match self.host_of_variant(from) {
            Some(host) => crate::remote::link::host_pid(host, magnitude as i32),
            None => Pid::from_raw(magnitude as i32),
        };
        let mapped = self
            .by_pid
            .get(&key)
            .and_then(|&t| counterpart(t))
            .map(|t| crate::remote::link::own_pid(self.tasks[t].tracee.pid) as i64);
        match mapped {
            Some(m) if id < 0 => -m,
            Some(m) => m,
            None => id,
        }
    }

    /// The follower host variant `variant` runs on, if it runs remotely.
    pub(super) fn host_of_variant(&self, variant: usize) -> Option<usize> {
        let t = self.groups[0].members.get(variant).copied().flatten()?;
        crate::remote::link::split_pid(self.tasks[t].tracee.pid).map(|(host, _)| host)
    }

    /// A clock id as the leader would name it: a CPU clock of a process or thread encodes its
    /// pid (`~pid << 3 | kind`, negative), which is made the leader's; fixed clocks pass.
    pub(super) fn virtual_clockid(&self, variant: usize, id: u64) -> u64 {
        if variant == 0 {
            return id as u32 as u64;
        }
        map_clockid_pid(id, |pid| self.pid_to_virtual(variant, pid))
    }

    /// A follower's argument value as the leader would have passed it.
    pub(super) fn pid_arg_to_virtual(
        &self,
        kind: Option<&Arg>,
        variant: usize,
        value: &Value,
    ) -> Value {
        match (kind, value) {
            (Some(Arg::Pid), Value::Int(id)) => {
                Value::Int(self.pid_to_virtual(variant, *id as i32 as i64) as i32 as u32 as u64)
            }
            (Some(Arg::ClockId), Value::Int(id)) => Value::Int(self.virtual_clockid(variant, *id)),
            _ => value.clone(),
        }
    }
}

/// A clock id with the pid a CPU clock encodes (`~pid << 3 | kind`, negative) mapped by `map`;
/// fixed clocks (non-negative ids) unchanged.
fn map_clockid_pid(id: u64, map: impl Fn(i64) -> i64) -> u64 {
    let id = id as i32;
    if id >= 0 {
        return id as u32 as u64;
    }
    let pid = !(id >> 3);
    let mapped = map(pid as i64) as i32;
    ((!mapped << 3) | (id & 7)) as u32 as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_clock_ids_carry_their_pid() {
        // pthread_getcpuclockid of thread 1234: ~1234 << 3 | CPUCLOCK_PERTHREAD | SCHED.
        let thread_clock = ((!1234i32 << 3) | 6) as u32 as u64;
        let mapped = map_clockid_pid(thread_clock, |pid| if pid == 1234 { 1200 } else { pid });
        assert_eq!(mapped, ((!1200i32 << 3) | 6) as u32 as u64);
        // CLOCK_MONOTONIC and friends pass.
        assert_eq!(map_clockid_pid(1, |_| 99), 1);
    }
}
