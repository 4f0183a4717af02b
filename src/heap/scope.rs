//! A tracemalloc-like measurement scope, closure-shaped so that no guard
//! borrows the group it measures: safe by construction.

use super::group::Group;
use super::slots::{self, HeapStats, ROOT_SLOT};

/// Measures the heap used on this thread while a closure runs, like
/// Python's `tracemalloc` between `start()` and `stop()`.
///
/// Only allocations made on the current thread (and by groups created
/// inside the scope) are counted, so tests running in parallel do not
/// disturb each other's numbers.
///
/// ```
/// use heapbound::heap::Scope;
/// let (peak_seen, stats) = Scope::run(|scope| {
///     let v: Vec<u64> = Vec::with_capacity(1024);
///     let (current, peak) = (scope.current_bytes(), scope.peak_bytes());
///     assert!(peak >= current);
///     drop(v);
///     scope.peak_bytes()
/// });
/// assert_eq!(stats.live_bytes, 0);
/// assert!(stats.peak_bytes >= peak_seen);
/// ```
#[derive(Debug)]
pub struct Scope {
    /// The slot of the measuring group: its counters are read by index, so
    /// the scope holds no reference into the group the closure runs in.
    slot: usize,
}

impl Scope {
    /// Runs `f` inside a fresh group, handing it the scope to read the
    /// counters so far; returns `f`'s result and the counters as they were
    /// when `f` returned (before its result is dropped).
    pub fn run<R>(f: impl FnOnce(&Scope) -> R) -> (R, HeapStats) {
        let mut group = Group::new();
        let scope = Scope { slot: group.slot() };
        let result = group.run(|| f(&scope));
        (result, scope.stats())
    }

    /// Counters so far.
    pub fn stats(&self) -> HeapStats {
        if self.slot == ROOT_SLOT {
            return HeapStats::default();
        }
        slots::slot(self.slot).stats()
    }

    /// Bytes allocated in the scope and not yet freed.
    pub fn current_bytes(&self) -> u64 {
        self.stats().live_bytes
    }

    /// Highest `current_bytes` since the start or the last
    /// [`Scope::reset_peak`].
    pub fn peak_bytes(&self) -> u64 {
        self.stats().peak_bytes
    }

    /// Starts a new peak measurement from the current bytes.
    pub fn reset_peak(&self) {
        if self.slot != ROOT_SLOT {
            slots::slot(self.slot).reset_peak();
        }
    }
}

/// Runs `f` inside a fresh [`Scope`] and returns its result with the counters
/// as they were when `f` returned (before its result is dropped).
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, HeapStats) {
    Scope::run(|_| f())
}
