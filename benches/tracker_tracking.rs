//! The tracker workloads (`support/tracker.rs`) with heapbound's tracking allocator.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

#[path = "support/step.rs"]
mod support_step;
#[path = "support/tracker.rs"]
mod support_tracker;

fn tracking(c: &mut criterion::Criterion) {
    assert!(
        heapbound::heap::is_tracking(),
        "the tracker must be on here"
    );
    support_tracker::workloads(c, "tracking");
}

criterion::criterion_group!(benches, tracking);
criterion::criterion_main!(benches);
