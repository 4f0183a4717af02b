//! `cargo fuzz run barter corpus/barter`: barter's engine, risk manager and
//! mock exchange through heapbound's one-line scenario check. The known
//! findings (README, "A framework nobody here wrote") are kept out by
//! `BarterBot::fuzz_config`, which `replay` applies too, so a crash file
//! replays as it ran:
//! `cargo run --release -p barter-bot --bin heapbound-barter -- replay fuzz/artifacts/barter/crash-...`.
#![no_main]

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    heapbound::fuzz_with::<barter_bot::BarterBot>(
        data,
        "cargo run --release -p barter-bot --bin heapbound-barter -- replay",
    );
});
