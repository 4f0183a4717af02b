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
        let process = procfs::process::Process::myself().ok()?;
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
    fn sees_an_open_file_and_a_thread() {
        let before = ProcessStats::read().expect("procfs on Linux");
        assert!(before.rss_bytes > 0 && before.vms_bytes >= before.rss_bytes);
        let file = std::fs::File::open("Cargo.toml").unwrap();
        let (sender, receiver) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || receiver.recv().ok());
        let during = ProcessStats::read().unwrap();
        // Other tests open files and threads too, so only "at least one more".
        assert!(during.open_fds >= 1 && during.threads >= 2);
        drop(file);
        sender.send(()).unwrap();
        thread.join().unwrap();
    }
}
