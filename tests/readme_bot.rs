//! The bot of README's "Prove your own bot", verbatim, proven the way the
//! README says: a user who copies the section gets a passing test.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

#[allow(dead_code, unused_variables)]
mod my_bot {
    use heapbound::heap::Tracked;
    use heapbound::{Bot, Candle, CandleOutcome, Component, ConfigError, MarketView, Violation};
    use std::collections::VecDeque;

    pub struct MyBot {
        fills: Tracked<VecDeque<i64>>,
        max_fills: usize,
        cash: i64,
    }

    #[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
    pub struct MyConfig {
        pub max_fills: u8,
    } // draw valid configs: clamp in build

    #[derive(Clone, Debug, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
    pub enum MyAction {
        Buy { qty: u8 },
        Reconnect,
    } // your bot's own verbs

    impl Bot for MyBot {
        type Config = MyConfig;
        type Action = MyAction;
        const NAME: &'static str = "my-bot";

        fn build(config: &MyConfig) -> Result<Self, ConfigError> {
            let max_fills = usize::from(config.max_fills.max(1));
            Ok(MyBot {
                fills: Tracked::new(|| VecDeque::with_capacity(max_fills)),
                max_fills,
                cash: 0,
            })
        }
        fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
            let max = self.max_fills;
            self.fills.with_mut(|fills| {
                if fills.len() == max {
                    fills.pop_front();
                }
                fills.push_back(candle.close());
            });
            CandleOutcome::default()
        }
        fn apply(&mut self, action: &MyAction, market: &MarketView) { /* orders at market.last_close ... */
        }
        fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
            visit(
                Component::new("fills", &self.fills)
                    .entries(self.fills.get().len(), self.max_fills)
                    .budget((self.max_fills * 8) as u64 + 64),
            );
        }
        fn check(&self, _after_candle: bool) -> Result<(), Violation> {
            if self.cash < 0 {
                return Err(Violation::domain(
                    "negative-cash",
                    self.cash,
                    0,
                    "cash units",
                ));
            }
            Ok(())
        }
    }
}

#[test]
fn my_bot_stays_inside_its_budget() {
    heapbound::prove::<my_bot::MyBot>(my_bot::MyConfig { max_fills: 100 })
        .seeds(0..2)
        .candles(100_000)
        .run();
}

#[test]
fn my_bot_fuzz_entry_runs_any_bytes() {
    for data in [&[][..], &[1, 2, 3][..], &[0xff; 300][..]] {
        heapbound::fuzz::<my_bot::MyBot>(data);
    }
}
