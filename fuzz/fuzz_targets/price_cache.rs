//! `cargo fuzz run price_cache corpus/price_cache`: see README, section Fuzzing.
#![no_main]

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    heapbound::targets::fuzz_builtin(heapbound::targets::Builtin::PriceCache, data);
});
