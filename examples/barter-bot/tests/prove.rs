//! barter's mock exchange under heapbound: its trade log is never trimmed,
//! so a long session fails naming the exchange; rebuilding the account from
//! its snapshot when the log is full keeps it inside its bound.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use barter_bot::{BarterBot, BarterConfig};
use heapbound::Invariant;

#[test]
fn barters_default_trade_log_fails_naming_the_exchange() {
    let failure = heapbound::prove::<BarterBot>(BarterConfig::default())
        .seeds(0..1)
        .candles(200_000)
        .try_run()
        .expect_err("barter keeps every fill");
    let first = failure.first();
    assert_eq!(first.component.as_deref(), Some("exchange"), "{failure}");
    assert_eq!(first.invariant, Invariant::ContainerBound, "{failure}");
}

#[test]
fn the_retention_workaround_passes_8_seeds_of_a_million_candles() {
    heapbound::prove::<BarterBot>(BarterConfig {
        retention: true,
        ..BarterConfig::default()
    })
    .seeds(0..8)
    .candles(1_000_000)
    .run();
}

#[test]
fn any_fuzz_bytes_run() {
    for data in [&[][..], &[7; 64][..], &[0xff; 600][..]] {
        heapbound::fuzz::<BarterBot>(data);
    }
}
