//! Heap accounting: a global allocator that charges every byte to an
//! allocation group, tracemalloc-like scopes, and allocation-site snapshots.
//!
//! Install the allocator once in a binary, test or fuzz target:
//!
//! ```
//! #[global_allocator]
//! static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();
//! ```
//!
//! The library itself never installs a global allocator; without one every
//! counter reads zero and [`is_tracking`] says so.

mod group;
mod scope;
mod sites;
mod slots;
mod tracked;

pub use group::{Entered, Group, GroupHandle};
pub use scope::{measure, Scope};
pub use sites::{SiteGrowth, SiteSnapshot, SiteTracing};
pub use slots::HeapStats;
pub use tracked::Tracked;

/// The global allocator to install: `tracking-allocator` over the system allocator.
pub type TrackingAllocator = tracking_allocator::Allocator<std::alloc::System>;

/// Whether heapbound's allocator is installed and its tracker registered, so
/// the counters mean something. Checked by allocating inside a fresh group.
pub fn is_tracking() -> bool {
    slots::ensure_tracker();
    if !slots::tracker_registered() {
        return false;
    }
    let mut probe = Group::new();
    let boxed = probe.run(|| std::hint::black_box(Box::new(0u64)));
    let seen = probe.stats().allocations == 1;
    drop(boxed);
    seen
}
