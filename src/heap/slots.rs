//! The counters behind every allocation group, and the tracker that feeds them.
//!
//! `tracking-allocator` tags each allocation with the id of the group that was
//! active on the allocating thread and hands us that id again on free, so a
//! byte is always charged to the group that allocated it, whichever thread
//! frees it. Each id indexes one [`Slot`]; a slot also names its parent so a
//! scope sees the bytes of every group created inside it.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Once;

use tracking_allocator::{AllocationGroupId, AllocationRegistry, AllocationTracker};

/// How many group ids get counters. Ids are recycled through a pool, so a
/// process only needs as many as it has groups alive at once.
pub(crate) const MAX_SLOTS: usize = 1 << 14;
/// Parent chains are short (scope > bot > component); the cap guards against a
/// corrupted chain turning every allocation into a long walk.
const MAX_DEPTH: usize = 8;
/// `tracking-allocator` gives id 1 to allocations made outside any group.
pub(crate) const ROOT_SLOT: usize = 1;

pub(crate) struct Slot {
    live: AtomicI64,
    peak: AtomicI64,
    allocations: AtomicU64,
    deallocations: AtomicU64,
    parent: AtomicUsize,
}

impl Slot {
    const fn new() -> Self {
        Slot {
            live: AtomicI64::new(0),
            peak: AtomicI64::new(0),
            allocations: AtomicU64::new(0),
            deallocations: AtomicU64::new(0),
            parent: AtomicUsize::new(0),
        }
    }

    #[inline]
    fn on_alloc(&self, size: i64) {
        let live = self.live.fetch_add(size, Relaxed) + size;
        // A load first: a new peak is rare once a bot is warm, and
        // `fetch_max` is a compare-and-swap loop on every allocation.
        if live > self.peak.load(Relaxed) {
            self.peak.fetch_max(live, Relaxed);
        }
        self.allocations.fetch_add(1, Relaxed);
    }

    #[inline]
    fn on_dealloc(&self, size: i64) {
        self.live.fetch_sub(size, Relaxed);
        self.deallocations.fetch_add(1, Relaxed);
    }

    pub(crate) fn live(&self) -> i64 {
        self.live.load(Relaxed)
    }

    pub(crate) fn stats(&self) -> HeapStats {
        HeapStats {
            live_bytes: self.live.load(Relaxed).max(0) as u64,
            peak_bytes: self.peak.load(Relaxed).max(0) as u64,
            allocations: self.allocations.load(Relaxed),
            deallocations: self.deallocations.load(Relaxed),
        }
    }

    pub(crate) fn reset_peak(&self) {
        self.peak.store(self.live.load(Relaxed), Relaxed);
    }

    /// Prepares a recycled slot for a new owner. Only called on slots whose
    /// live bytes are zero, so no earlier owner can still free into it.
    pub(crate) fn claim(&self, parent: usize) {
        self.live.store(0, Relaxed);
        self.peak.store(0, Relaxed);
        self.allocations.store(0, Relaxed);
        self.deallocations.store(0, Relaxed);
        self.parent.store(parent, Relaxed);
    }
}

/// A snapshot of one group's (or the process's) heap counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct HeapStats {
    /// Bytes allocated and not yet freed.
    pub live_bytes: u64,
    /// Highest `live_bytes` since the group was created or its peak reset.
    pub peak_bytes: u64,
    /// Number of allocations (a `realloc` counts as one allocation and one free).
    pub allocations: u64,
    /// Number of frees.
    pub deallocations: u64,
}

static SLOTS: [Slot; MAX_SLOTS] = [const { Slot::new() }; MAX_SLOTS];
static TRACKER_INSTALLED: AtomicBool = AtomicBool::new(false);

pub(crate) fn slot(index: usize) -> &'static Slot {
    &SLOTS[index]
}

/// Whether `slot` is `ancestor` or lies below it.
pub(crate) fn descends_from(mut slot: usize, ancestor: usize) -> bool {
    for _ in 0..MAX_DEPTH {
        if slot == ancestor {
            return true;
        }
        if slot == 0 || slot >= MAX_SLOTS {
            return false;
        }
        slot = SLOTS[slot].parent.load(Relaxed);
    }
    false
}

struct SlotTracker;

impl SlotTracker {
    #[inline]
    fn walk(group: &AllocationGroupId, mut visit: impl FnMut(&Slot)) {
        let mut index = group.as_usize().get();
        let mut depth = 0;
        // The root (allocations outside any group) is not counted: nothing
        // reads it, and every allocation in the process would pay for it.
        while index > ROOT_SLOT && index < MAX_SLOTS && depth < MAX_DEPTH {
            let slot = &SLOTS[index];
            visit(slot);
            index = slot.parent.load(Relaxed);
            depth += 1;
        }
    }
}

impl AllocationTracker for SlotTracker {
    fn allocated(&self, addr: usize, size: usize, _wrapped: usize, group: AllocationGroupId) {
        let size = size as i64;
        Self::walk(&group, |slot| slot.on_alloc(size));
        crate::heap::sites::record_alloc(addr, size as u64, group.as_usize().get());
    }

    fn deallocated(
        &self,
        addr: usize,
        size: usize,
        _wrapped: usize,
        source: AllocationGroupId,
        _current: AllocationGroupId,
    ) {
        let size = size as i64;
        Self::walk(&source, |slot| slot.on_dealloc(size));
        crate::heap::sites::record_dealloc(addr);
    }
}

/// Registers heapbound's tracker with `tracking-allocator` once per process.
pub(crate) fn ensure_tracker() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if AllocationRegistry::set_global_tracker(SlotTracker).is_ok() {
            TRACKER_INSTALLED.store(true, Relaxed);
        }
        AllocationRegistry::enable_tracking();
    });
}

pub(crate) fn tracker_registered() -> bool {
    TRACKER_INSTALLED.load(Relaxed)
}
