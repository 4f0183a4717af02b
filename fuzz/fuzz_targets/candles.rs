//! `cargo fuzz run candles corpus/candles`: see README, section Fuzzing.
#![no_main]

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    heapbound::targets::fuzz_builtin(heapbound::targets::Builtin::Candles, data);
});
