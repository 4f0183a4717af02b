//! heapbound's own paper bot watched live with its actions: a correct bot
//! whose containers are all capped, plus the accounting invariants, must
//! raise nothing (the monitor's checks after actions included).

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use arbitrary::{Arbitrary, Unstructured};
use heapbound::market::CandleGenerator;
use heapbound::monitor::{Live, MonitorOptions};
use heapbound::paper::{BotConfig, PaperAction, PaperBot};

#[test]
fn the_paper_bot_with_its_actions_raises_nothing() {
    let mut live = Live::<PaperBot>::new(
        BotConfig::default(),
        MonitorOptions {
            every_events: 512,
            every: None,
            recorder_capacity: 1_024,
            ..MonitorOptions::default()
        },
    )
    .unwrap();
    // Actions drawn from a fixed byte stream (an LCG), as a fuzzer would.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let bytes: Vec<u8> = (0..1 << 20)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect();
    let mut draw = Unstructured::new(&bytes);
    for (i, candle) in CandleGenerator::new(17).take(1_000_000).enumerate() {
        assert!(live.feed(candle).is_empty(), "{}", live.alerts()[0]);
        if i % 25 == 0 {
            let Ok(action) = PaperAction::arbitrary(&mut draw) else {
                break;
            };
            assert!(live.apply(action).is_empty(), "{}", live.alerts()[0]);
        }
    }
    assert!(live.events() > 1_000_000, "{}", live.events());
    assert!(live.alerts().is_empty());
}
