//! A tracemalloc-like measurement scope.

use super::group::{Entered, Group};
use super::slots::HeapStats;

/// Measures the heap used on this thread between [`Scope::start`] and
/// [`Scope::stop`], like Python's `tracemalloc`.
///
/// Only allocations made on the current thread (and by groups created inside
/// the scope) are counted, so tests running in parallel do not disturb each
/// other's numbers.
///
/// ```
/// let scope = heapbound::heap::Scope::start();
/// let v: Vec<u64> = Vec::with_capacity(1024);
/// let (current, peak) = (scope.current_bytes(), scope.peak_bytes());
/// assert!(peak >= current);
/// drop(v);
/// let stats = scope.stop();
/// assert_eq!(stats.live_bytes, 0);
/// ```
pub struct Scope {
    // Declared first so it drops (leaves the group) before the group is freed.
    entered: Option<Entered<'static>>,
    group: *mut Group,
}

impl Scope {
    /// Starts measuring: every allocation on this thread from now on is
    /// charged to the scope until it stops.
    pub fn start() -> Scope {
        let group = Box::into_raw(Box::new(Group::new()));
        // SAFETY: `group` stays valid until `Drop`, which first drops the guard
        // borrowing it and only then frees the box. Nothing else touches the
        // group through the pointer while the guard lives, except shared reads
        // of its counters, which are atomics outside the `Group` value.
        let entered = unsafe { (*group).enter() };
        let entered: Entered<'static> = unsafe { std::mem::transmute(entered) };
        Scope {
            entered: Some(entered),
            group,
        }
    }

    fn group(&self) -> &Group {
        // SAFETY: see `start`; `stats` reads only the slot index and atomics.
        unsafe { &*self.group }
    }

    /// Counters so far.
    pub fn stats(&self) -> HeapStats {
        self.group().stats()
    }

    /// Bytes allocated in the scope and not yet freed.
    pub fn current_bytes(&self) -> u64 {
        self.stats().live_bytes
    }

    /// Highest `current_bytes` since start or the last [`Scope::reset_peak`].
    pub fn peak_bytes(&self) -> u64 {
        self.stats().peak_bytes
    }

    /// Starts a new peak measurement from the current bytes.
    pub fn reset_peak(&self) {
        self.group().reset_peak();
    }

    /// Stops measuring and returns the final counters.
    pub fn stop(self) -> HeapStats {
        self.stats()
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        drop(self.entered.take());
        // SAFETY: the guard borrowing the group is gone; we own the box.
        drop(unsafe { Box::from_raw(self.group) });
    }
}

/// Runs `f` inside a fresh [`Scope`] and returns its result with the counters
/// as they were when `f` returned (before its result is dropped).
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, HeapStats) {
    let scope = Scope::start();
    let result = f();
    (result, scope.stop())
}
