//! `cargo fuzz run ring_buffer corpus/ring_buffer`: see README, section Fuzzing.
#![no_main]

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    heapbound::harness::fuzz_builtin(heapbound::harness::Builtin::RingBuffer, data);
});
