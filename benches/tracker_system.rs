//! The tracker workloads (`support/tracker.rs`) with the system allocator.

#[path = "support/step.rs"]
mod support_step;
#[path = "support/tracker.rs"]
mod support_tracker;

fn system(c: &mut criterion::Criterion) {
    assert!(
        !heapbound::heap::is_tracking(),
        "no tracker may be installed here"
    );
    support_tracker::workloads(c, "system");
}

criterion::criterion_group!(benches, system);
criterion::criterion_main!(benches);
