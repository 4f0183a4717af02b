//! `cargo fuzz run grid_actions corpus/grid_actions`: the example grid bot,
//! through the one-line entry any user's fuzz target calls.
//! `GRID_BOT=leaky` fuzzes its twin that never removes cancelled orders.
#![no_main]

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    const REPLAY: &str = "cargo run --release -p grid-bot --bin heapbound-grid -- replay";
    static LEAKY: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *LEAKY.get_or_init(|| std::env::var_os("GRID_BOT").is_some_and(|bot| bot == "leaky")) {
        heapbound::fuzz_with::<grid_bot::LeakyGridBot>(
            data,
            &REPLAY.replace("heapbound-grid", "heapbound-leaky-grid"),
        );
    } else {
        heapbound::fuzz_with::<grid_bot::GoodGridBot>(data, REPLAY);
    }
});
