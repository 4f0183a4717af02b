//! The tracker workloads (`support/tracker.rs`) with `tracking-allocator`
//! installed but a tracker that does nothing registered first, so
//! heapbound's counters never run: what the allocator wrapper alone costs
//! (its header and thread-local group stack on every allocation and free).

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

#[path = "support/step.rs"]
mod support_step;
#[path = "support/tracker.rs"]
mod support_tracker;

struct NothingTracker;

impl tracking_allocator::AllocationTracker for NothingTracker {
    fn allocated(&self, _: usize, _: usize, _: usize, _: tracking_allocator::AllocationGroupId) {}

    fn deallocated(
        &self,
        _: usize,
        _: usize,
        _: usize,
        _: tracking_allocator::AllocationGroupId,
        _: tracking_allocator::AllocationGroupId,
    ) {
    }
}

fn floor(c: &mut criterion::Criterion) {
    tracking_allocator::AllocationRegistry::set_global_tracker(NothingTracker)
        .expect("no tracker registered yet");
    tracking_allocator::AllocationRegistry::enable_tracking();
    assert!(
        !heapbound::heap::is_tracking(),
        "heapbound's counters must stay off here"
    );
    support_tracker::workloads(c, "wrapper_only");
}

criterion::criterion_group!(benches, floor);
criterion::criterion_main!(benches);
