//! Bot processes kept between runs: a run that ends cleanly parks its
//! process, and the next bot built from the same config rebuilds its bot
//! with `reset` instead of starting a process (about 100 ms for Python,
//! more than a short scenario takes). Exploration plays thousands of short
//! scenarios; every other driver starts a fresh process per run.

use std::sync::{Arc, Mutex, PoisonError};

use super::child::BotProcess;

/// Idle bot processes, shared by the clones of one [`ExternalConfig`]
/// (`super::ExternalConfig::reuse`). Dropping the last clone shuts them
/// down.
#[derive(Clone, Default)]
pub struct ProcessPool {
    idle: Arc<Mutex<Vec<BotProcess>>>,
}

impl ProcessPool {
    /// A process parked by an earlier run, if any.
    pub(super) fn take(&self) -> Option<BotProcess> {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    /// Parks a process whose run ended cleanly.
    pub(super) fn park(&self, process: BotProcess) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(process);
    }
}

impl std::fmt::Debug for ProcessPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("ProcessPool").field("idle", &idle).finish()
    }
}
