//! Teardown and a dependency's one-time state: a thread-local cache a
//! dependency makes on first use (rand's thread RNG) is made inside the
//! first bot's group on a thread and stays after it. From the bytes alone
//! it is a leak into a global, and reported as one; made in
//! `Bot::warm_thread` (outside any group, once per thread) it is not the
//! bot's. A bot that parks bytes in a global on every drop fails either
//! way.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use std::cell::RefCell;
use std::sync::Mutex;

use heapbound::harness::{check_scenario, Scenario, Step};
use heapbound::{Bot, Candle, CandleOutcome, Component, ConfigError, MarketView, Violation};

thread_local! {
    /// A per-thread cache made on first use, as `rand::thread_rng` does.
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(352));
}

/// Bytes parked on every drop and never given back.
static PARKED: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    arbitrary::Arbitrary,
)]
enum Habit {
    /// Touches a thread-local cache on each candle, made in `warm_thread`.
    #[default]
    ThreadLocalCache,
    /// Parks 100 bytes in a global when dropped: a leak.
    ParkOnDrop,
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
struct HabitConfig {
    habit: Habit,
}

struct HabitBot {
    habit: Habit,
    seen: u64,
}

impl Bot for HabitBot {
    type Config = HabitConfig;
    type Action = ();
    const NAME: &'static str = "habit-bot";

    fn build(config: &HabitConfig) -> Result<Self, ConfigError> {
        Ok(HabitBot {
            habit: config.habit,
            seen: 0,
        })
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        if self.habit == Habit::ThreadLocalCache {
            SCRATCH.with(|scratch| scratch.borrow_mut().push(candle.close() as u8));
            SCRATCH.with(|scratch| scratch.borrow_mut().clear());
        }
        self.seen += 1;
        CandleOutcome::default()
    }

    fn apply(&mut self, _action: &(), _market: &MarketView) {}

    fn warm_thread() {
        SCRATCH.with(|scratch| scratch.borrow_mut().clear());
    }

    fn components(&self, _visit: &mut dyn FnMut(Component<'_>)) {}

    fn check(&self, _after_candle: bool) -> Result<(), Violation> {
        Ok(())
    }
}

impl Drop for HabitBot {
    fn drop(&mut self) {
        if self.habit == Habit::ParkOnDrop {
            PARKED.lock().unwrap().push(vec![1; 100]);
        }
    }
}

fn scenario(habit: Habit) -> Scenario<HabitBot> {
    Scenario {
        seed: 3,
        config: HabitConfig { habit },
        actions: vec![Step::Candles(20), Step::Bot(()), Step::Candles(5)],
    }
}

#[test]
fn a_thread_local_cache_made_in_warm_thread_is_not_the_bots() {
    // A fresh thread: the cache is made by warm_thread, outside the group.
    let played = std::thread::spawn(|| check_scenario(&scenario(Habit::ThreadLocalCache)))
        .join()
        .unwrap();
    assert!(played.is_ok(), "{:?}", played.err());
}

/// A bot with a thread-local cache of its own and no `warm_thread`.
struct ColdBot(HabitBot);

impl Bot for ColdBot {
    type Config = HabitConfig;
    type Action = ();
    const NAME: &'static str = "cold-bot";

    fn build(config: &HabitConfig) -> Result<Self, ConfigError> {
        HabitBot::build(config).map(ColdBot)
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        COLD.with(|cold| cold.borrow_mut().push(candle.close() as u8));
        COLD.with(|cold| cold.borrow_mut().clear());
        self.0.on_candle(candle)
    }

    fn apply(&mut self, action: &(), market: &MarketView) {
        self.0.apply(action, market);
    }

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        self.0.components(visit);
    }

    fn check(&self, after_candle: bool) -> Result<(), Violation> {
        self.0.check(after_candle)
    }
}

thread_local! {
    /// A cache no warm_thread makes.
    static COLD: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(352));
}

#[test]
fn a_thread_local_cache_made_by_the_first_bot_on_a_thread_is_reported_as_its_teardown() {
    let failure = std::thread::spawn(|| {
        check_scenario(&Scenario::<ColdBot> {
            seed: 3,
            config: HabitConfig::default(),
            actions: vec![Step::Candles(20)],
        })
    })
    .join()
    .unwrap()
    .expect_err("bytes left behind are reported");
    assert!(failure
        .violations()
        .iter()
        .any(|violation| violation.invariant == heapbound::Invariant::TeardownLeak));
}

#[test]
fn bytes_parked_on_every_drop_are_a_teardown_leak() {
    let failure = std::thread::spawn(|| check_scenario(&scenario(Habit::ParkOnDrop)))
        .join()
        .unwrap()
        .expect_err("parking on drop leaks");
    let violation = failure.first();
    assert_eq!(violation.invariant, heapbound::Invariant::TeardownLeak);
    assert!(violation.observed >= 100, "{violation:?}");
    // The report says what else such bytes may be, and what to do then.
    assert!(
        violation
            .to_string()
            .contains("make that in Bot::warm_thread"),
        "{violation}"
    );
}

#[test]
fn prove_on_a_fresh_thread_passes_a_bot_that_warms_its_thread() {
    let proof = std::thread::spawn(|| {
        heapbound::prove::<HabitBot>(HabitConfig {
            habit: Habit::ThreadLocalCache,
        })
        .seeds(0..2)
        .candles(2_000)
        .try_run()
    })
    .join()
    .unwrap();
    assert!(proof.is_ok(), "{:?}", proof.err());
}

#[test]
fn prove_reports_bytes_parked_on_every_drop() {
    let failure = std::thread::spawn(|| {
        heapbound::prove::<HabitBot>(HabitConfig {
            habit: Habit::ParkOnDrop,
        })
        .seeds(0..2)
        .candles(2_000)
        .try_run()
    })
    .join()
    .unwrap()
    .expect_err("parking on drop leaks");
    assert!(failure
        .violations()
        .iter()
        .any(|violation| violation.invariant == heapbound::Invariant::TeardownLeak));
}
