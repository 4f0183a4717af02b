//! `cargo fuzz run session_store corpus/session_store`: see README, section Fuzzing.
#![no_main]

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    heapbound::targets::fuzz_builtin(heapbound::targets::Builtin::SessionStore, data);
});
