//! Bot processes kept between runs: a run that ends cleanly parks its
//! process, and the next bot built from the same config rebuilds its bot
//! with `reset` instead of starting a process (about 100 ms for Python,
//! more than a short scenario takes). Exploration plays thousands of short
//! scenarios; every other driver starts a fresh process per run.

use std::cell::Cell;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::child::BotProcess;

thread_local! {
    /// Inside [`fresh_processes`] on this thread.
    static FRESH_ONLY: Cell<u32> = const { Cell::new(0) };
    /// Parked processes taken for a new bot on this thread, ever.
    static REUSED: Cell<u64> = const { Cell::new(0) };
}

/// How many bots built on this thread so far got a parked process: a run
/// that raised it ran in a process earlier runs had used.
pub fn processes_reused() -> u64 {
    REUSED.with(Cell::get)
}

/// Runs `f` with every bot process built on this thread started fresh
/// and closed at its end, whatever its config's pool: a failure found in
/// a reused process may need what earlier runs left in it (module-level
/// state survives `reset`), and what is shrunk and saved must fail alone.
pub fn fresh_processes<R>(f: impl FnOnce() -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            FRESH_ONLY.with(|depth| depth.set(depth.get() - 1));
        }
    }
    FRESH_ONLY.with(|depth| depth.set(depth.get() + 1));
    let _leave = Leave;
    f()
}

/// Whether processes are reused here now (not inside [`fresh_processes`]).
fn reusing() -> bool {
    FRESH_ONLY.with(Cell::get) == 0
}

/// Idle bot processes, shared by the clones of one
/// [`ExternalConfig`](super::ExternalConfig) (its `reuse`). Dropping the last clone shuts them
/// down.
#[derive(Clone, Default)]
pub struct ProcessPool {
    idle: Arc<Mutex<Vec<BotProcess>>>,
}

impl ProcessPool {
    /// The parked processes (a panic while they were locked leaves them
    /// as they were).
    fn idle(&self) -> MutexGuard<'_, Vec<BotProcess>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A process parked by an earlier run, if any.
    pub(super) fn take(&self) -> Option<BotProcess> {
        if !reusing() {
            return None;
        }
        let process = self.idle().pop();
        if process.is_some() {
            REUSED.with(|reused| reused.set(reused.get() + 1));
        }
        process
    }

    /// Parks a process whose run ended cleanly; returns it when processes
    /// are not reused here now.
    pub(super) fn park(&self, process: BotProcess) -> Option<BotProcess> {
        if !reusing() {
            return Some(process);
        }
        self.idle().push(process);
        None
    }
}

impl std::fmt::Debug for ProcessPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let idle = self.idle().len();
        f.debug_struct("ProcessPool").field("idle", &idle).finish()
    }
}
