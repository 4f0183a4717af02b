//! The fuzz targets' checks as bolero property tests: `cargo test` explores
//! random inputs of every target on stable Rust, through the same library
//! functions libFuzzer calls.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use heapbound::harness::{self, Scenario};
use heapbound::paper::PaperBot;
use heapbound::targets::{containers, CandlesInput};

/// libFuzzer's default `-max_len`; without a bound bolero's random driver
/// draws buffers of any size.
const MAX_INPUT_LEN: usize = 4096;

fn assert_holds(result: Result<impl Sized, impl std::fmt::Display>) {
    if let Err(violation) = result {
        panic!("{violation}");
    }
}

#[test]
fn actions() {
    bolero::check!()
        .with_max_len(MAX_INPUT_LEN)
        .with_arbitrary::<Scenario<PaperBot>>()
        .with_iterations(300)
        .for_each(|scenario| assert_holds(harness::check_scenario(scenario)));
}

#[test]
fn candles() {
    bolero::check!()
        .with_max_len(MAX_INPUT_LEN)
        .with_arbitrary::<CandlesInput>()
        .with_iterations(300)
        .for_each(|input| assert_holds(heapbound::targets::check_candles(input)));
}

#[test]
fn session_store() {
    bolero::check!()
        .with_max_len(MAX_INPUT_LEN)
        .with_arbitrary::<containers::SessionStoreInput>()
        .for_each(|input| assert_holds(containers::check_session_store(input)));
}

#[test]
fn trade_history() {
    bolero::check!()
        .with_max_len(MAX_INPUT_LEN)
        .with_arbitrary::<containers::TradeHistoryInput>()
        .for_each(|input| assert_holds(containers::check_trade_history(input)));
}

#[test]
fn ring_buffer() {
    bolero::check!()
        .with_max_len(MAX_INPUT_LEN)
        .with_arbitrary::<containers::RingBufferInput>()
        .for_each(|input| assert_holds(containers::check_ring_buffer(input)));
}

#[test]
fn price_cache() {
    bolero::check!()
        .with_max_len(MAX_INPUT_LEN)
        .with_arbitrary::<containers::PriceCacheInput>()
        .for_each(|input| assert_holds(containers::check_price_cache(input)));
}
