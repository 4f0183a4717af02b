//! The operating system's view of the process: what `top` would show.
//! Catches leaks outside the Rust heap (threads, file handles, mmaps).

use serde::Serialize;

/// RSS, virtual size, threads and open file descriptors of this process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProcessStats {
    /// Resident set size in bytes.
    pub rss_bytes: u64,
    /// Virtual memory size in bytes.
    pub vms_bytes: u64,
    /// Threads.
    pub threads: u64,
    /// Open file descriptors.
    pub open_fds: u64,
}

impl ProcessStats {
    /// Reads `/proc/self`; `None` where there is no procfs (not Linux).
    pub fn read() -> Option<ProcessStats> {
        ProcessStats::of(procfs::process::Process::myself().ok()?)
    }

    /// Reads `/proc/<pid>` of another process (a bot heapbound drives);
    /// `None` when it is gone or there is no procfs.
    pub fn of_pid(pid: u32) -> Option<ProcessStats> {
        ProcessStats::of(procfs::process::Process::new(i32::try_from(pid).ok()?).ok()?)
    }

    fn of(process: procfs::process::Process) -> Option<ProcessStats> {
        let stat = process.stat().ok()?;
        Some(ProcessStats {
            rss_bytes: stat.rss * procfs::page_size(),
            vms_bytes: stat.vsize,
            threads: u64::try_from(stat.num_threads).unwrap_or(0),
            open_fds: process.fd_count().map_or(0, |count| count as u64),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_this_process() {
        let stats = ProcessStats::read().expect("procfs on Linux");
        assert!(stats.rss_bytes > 0 && stats.vms_bytes >= stats.rss_bytes);
        assert!(stats.threads >= 1 && stats.open_fds >= 3);
    }

    fn child(script: &str) -> std::process::Child {
        use std::process::{Command, Stdio};
        Command::new("sh")
            .args(["-c", script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Children of known shape: one thread each, and the second holds one
    /// descriptor more (both inherit whatever the test runner passes on).
    #[test]
    fn sees_a_child_process_exactly() {
        let mut plain = child("exec sleep 30");
        let mut with_file = child("exec 7</dev/null; exec sleep 30");
        // Wait until both have exec'd sleep (the second opened its file)
        // and sleep is asleep in its own code: the name changes during
        // exec, before the new program has touched a page (CI once read an
        // RSS of 0 there).
        let read = |child: &std::process::Child| loop {
            let proc = |file: &str| std::fs::read_to_string(format!("/proc/{}/{file}", child.id()));
            let exec_done = proc("comm").is_ok_and(|name| name.trim() == "sleep");
            // The state follows the name in parentheses: S is sleeping.
            let asleep = proc("stat").is_ok_and(|stat| {
                stat.rsplit_once(')')
                    .is_some_and(|(_, rest)| rest.trim_start().starts_with('S'))
            });
            if exec_done && asleep {
                return ProcessStats::of_pid(child.id()).expect("the child is running");
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        let (a, b) = (read(&plain), read(&with_file));
        for child in [&mut plain, &mut with_file] {
            child.kill().unwrap();
            child.wait().unwrap();
        }
        assert_eq!((a.threads, b.threads), (1, 1));
        assert_eq!(b.open_fds, a.open_fds + 1);
        assert!(a.rss_bytes > 0);
        assert_eq!(ProcessStats::of_pid(u32::MAX), None);
    }
}
