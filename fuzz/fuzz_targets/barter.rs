//! `cargo fuzz run barter corpus/barter`: barter's mock exchange through
//! heapbound's one-line scenario check, with its known finding kept out:
//! the unbounded trade log is the default's (README, "A framework nobody
//! here wrote"), so every input runs the retention workaround, and what
//! the fuzzer finds is new. A crash saves its scenario as JSON with the
//! config it ran, for `heapbound-barter replay`.
#![no_main]

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(mut scenario) = heapbound::Scenario::<barter_bot::BarterBot>::from_fuzz_bytes(data) {
        scenario.config.retention = true;
        heapbound::harness::check_or_save(
            &scenario,
            std::path::Path::new("heapbound-barter-failure.json"),
            "cargo run --release -p barter-bot --bin heapbound-barter -- replay",
        );
    }
});
