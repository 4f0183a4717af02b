//! The counters behind every allocation group, and the tracker that feeds them.
//!
//! `tracking-allocator` tags each allocation with the id of the group that was
//! active on the allocating thread and hands us that id again on free, so a
//! byte is always charged to the group that allocated it, whichever thread
//! frees it. Each id indexes one [`Slot`]; a slot also names its parent so a
//! scope sees the bytes of every group created inside it.

use std::cell::Cell;
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

/// One group's counters, in two halves: the thread that claimed the slot
/// (the one that created the group, which does nearly all of its allocating)
/// updates its own half with plain loads and stores, every other thread
/// updates the shared half with atomic adds. A `lock`-prefixed add costs more
/// than the rest of the bookkeeping, and most groups never see a second
/// thread; readers add the halves up.
pub(crate) struct Slot {
    /// [`thread_tag`] of the thread that claimed the slot.
    owner: AtomicU64,
    /// Written by the owner alone (load, then store).
    own_live: AtomicI64,
    own_allocations: AtomicU64,
    own_deallocations: AtomicU64,
    /// Written by every other thread (atomic adds).
    shared_live: AtomicI64,
    shared_allocations: AtomicU64,
    shared_deallocations: AtomicU64,
    peak: AtomicI64,
    parent: AtomicUsize,
}

impl Slot {
    const fn new() -> Self {
        Slot {
            owner: AtomicU64::new(0),
            own_live: AtomicI64::new(0),
            own_allocations: AtomicU64::new(0),
            own_deallocations: AtomicU64::new(0),
            shared_live: AtomicI64::new(0),
            shared_allocations: AtomicU64::new(0),
            shared_deallocations: AtomicU64::new(0),
            peak: AtomicI64::new(0),
            parent: AtomicUsize::new(0),
        }
    }

    #[inline]
    fn on_alloc(&self, size: i64, thread: u64) {
        let live = if thread == self.owner.load(Relaxed) {
            let own = self.own_live.load(Relaxed) + size;
            self.own_live.store(own, Relaxed);
            bump(&self.own_allocations);
            own + self.shared_live.load(Relaxed)
        } else {
            self.shared_allocations.fetch_add(1, Relaxed);
            self.shared_live.fetch_add(size, Relaxed) + size + self.own_live.load(Relaxed)
        };
        // A load first: a new peak is rare once a bot is warm, and
        // `fetch_max` is a compare-and-swap loop.
        if live > self.peak.load(Relaxed) {
            self.peak.fetch_max(live, Relaxed);
        }
    }

    #[inline]
    fn on_dealloc(&self, size: i64, thread: u64) {
        if thread == self.owner.load(Relaxed) {
            self.own_live
                .store(self.own_live.load(Relaxed) - size, Relaxed);
            bump(&self.own_deallocations);
        } else {
            self.shared_live.fetch_sub(size, Relaxed);
            self.shared_deallocations.fetch_add(1, Relaxed);
        }
    }

    pub(crate) fn live(&self) -> i64 {
        self.own_live.load(Relaxed) + self.shared_live.load(Relaxed)
    }

    pub(crate) fn stats(&self) -> HeapStats {
        HeapStats {
            live_bytes: self.live().max(0) as u64,
            peak_bytes: self.peak.load(Relaxed).max(0) as u64,
            allocations: self.own_allocations.load(Relaxed) + self.shared_allocations.load(Relaxed),
            deallocations: self.own_deallocations.load(Relaxed)
                + self.shared_deallocations.load(Relaxed),
        }
    }

    pub(crate) fn reset_peak(&self) {
        self.peak.store(self.live(), Relaxed);
    }

    /// Prepares a recycled slot for a new owner, the calling thread. Only
    /// called on slots whose live bytes are zero, so no earlier owner can
    /// still free into it (and the pool's lock orders its last writes
    /// before these).
    pub(crate) fn claim(&self, parent: usize) {
        self.own_live.store(0, Relaxed);
        self.own_allocations.store(0, Relaxed);
        self.own_deallocations.store(0, Relaxed);
        self.shared_live.store(0, Relaxed);
        self.shared_allocations.store(0, Relaxed);
        self.shared_deallocations.store(0, Relaxed);
        self.peak.store(0, Relaxed);
        self.parent.store(parent, Relaxed);
        self.owner.store(thread_tag(), Relaxed);
    }
}

/// Adds one to a counter only the owning thread writes.
#[inline]
fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Relaxed) + 1, Relaxed);
}

static NEXT_THREAD_TAG: AtomicU64 = AtomicU64::new(1);

thread_local! {
    // A plain `Cell` with no destructor: reading it never allocates and
    // works until the thread is gone, so the allocator can call it.
    static THREAD_TAG: Cell<u64> = const { Cell::new(0) };
}

/// A number for the calling thread, never reused in the process (a thread
/// id could be reused, and a new thread would then write an old owner's
/// half without the old owner's last writes ordered before it).
#[inline]
fn thread_tag() -> u64 {
    THREAD_TAG.with(|tag| match tag.get() {
        0 => {
            let fresh = NEXT_THREAD_TAG.fetch_add(1, Relaxed);
            tag.set(fresh);
            fresh
        }
        known => known,
    })
}

/// A snapshot of one group's heap counters.
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
    /// Visits the group's slot and its ancestors below the root, with the
    /// calling thread's tag (read only when there is a slot to count in).
    #[inline]
    fn walk(group: &AllocationGroupId, mut visit: impl FnMut(&Slot, u64)) {
        let mut index = group.as_usize().get();
        // The root (allocations outside any group) is not counted: nothing
        // reads it, and every allocation in the process would pay for it.
        if index <= ROOT_SLOT || index >= MAX_SLOTS {
            return;
        }
        let thread = thread_tag();
        let mut depth = 0;
        while index > ROOT_SLOT && index < MAX_SLOTS && depth < MAX_DEPTH {
            let slot = &SLOTS[index];
            visit(slot, thread);
            index = slot.parent.load(Relaxed);
            depth += 1;
        }
    }
}

impl AllocationTracker for SlotTracker {
    fn allocated(&self, addr: usize, size: usize, _wrapped: usize, group: AllocationGroupId) {
        let size = size as i64;
        Self::walk(&group, |slot, thread| slot.on_alloc(size, thread));
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
        Self::walk(&source, |slot, thread| slot.on_dealloc(size, thread));
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
