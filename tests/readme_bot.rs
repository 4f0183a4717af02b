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
        leaky: bool,
    }

    #[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
    pub struct MyConfig {
        pub max_fills: u8, // draw valid configs: clamp in build
        #[serde(default)]
        #[arbitrary(value = false)] // a mode the fuzzer never draws
        pub leaky: bool, // the leaky twin: never drops a fill
    }

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
            let fills = Tracked::new(|| VecDeque::with_capacity(max_fills));
            Ok(MyBot {
                fills,
                max_fills,
                cash: 0,
                leaky: config.leaky,
            })
        }
        fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
            let (max, leaky) = (self.max_fills, self.leaky);
            self.fills.with_mut(|fills| {
                if fills.len() == max && !leaky {
                    fills.pop_front();
                }
                fills.push_back(candle.close());
            });
            CandleOutcome::default()
        }
        fn apply(&mut self, _action: &MyAction, _market: &MarketView) { /* orders at _market.last_close ... */
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
        fn fuzz_config(target: &str, config: &mut MyConfig) {
            config.leaky = target == "my_bot_leaky"; // the twin's own fuzz target sets it
        }
    }
}

#[test]
fn my_bot_stays_inside_its_budget() {
    heapbound::prove::<my_bot::MyBot>(my_bot::MyConfig {
        max_fills: 100,
        leaky: false,
    })
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

#[test]
fn only_the_twins_fuzz_target_decodes_the_twin() {
    use heapbound::Scenario;
    let data = [0x5a; 64];
    let twin = Scenario::<my_bot::MyBot>::from_target_bytes("my_bot_leaky", &data).unwrap();
    let bot = Scenario::<my_bot::MyBot>::from_target_bytes("my_bot", &data).unwrap();
    assert!(twin.config.leaky && !bot.config.leaky);
    assert_eq!(
        (twin.seed, twin.actions.len()),
        (bot.seed, bot.actions.len())
    );
}

#[test]
fn the_leaky_twin_fails_naming_its_container() {
    let failure = heapbound::prove::<my_bot::MyBot>(my_bot::MyConfig {
        max_fills: 100,
        leaky: true,
    })
    .seeds(0..1)
    .candles(1_000)
    .try_run()
    .expect_err("the twin never drops a fill");
    let first = failure.first();
    assert_eq!(first.invariant, heapbound::Invariant::ContainerBound);
    assert_eq!(first.component.as_deref(), Some("fills"));
}

#[test]
fn explore_with_short_scenarios_saves_what_it_ran() {
    use heapbound::harness::explore::{explore_with, ExploreOptions};
    use heapbound::Step;
    let options = ExploreOptions::default()
        .scenario_bytes(136)
        .candles_per_step(8)
        .full_length_every(0);
    let config = my_bot::MyConfig {
        max_fills: 10,
        leaky: true,
    };
    let found =
        explore_with::<my_bot::MyBot>(&config, 0, std::time::Duration::from_secs(20), &options);
    let (scenario, failure) = found.failure.expect("the twin overflows 10 fills");
    assert_eq!(
        failure.first().invariant,
        heapbound::Invariant::ContainerBound
    );
    for step in &scenario.actions {
        if let Step::Candles(n) = step {
            assert!(*n <= 8, "a step of {n} candles");
        }
    }
    // The saved scenario fails alone, as it ran.
    assert!(heapbound::harness::check_scenario(&scenario).is_err());
}
