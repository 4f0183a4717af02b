//! Teardown: bytes a bot leaves after it is dropped are a leak only when a
//! second bot on the same thread leaves bytes again. A dependency's
//! one-time state (rand's thread RNG, a lazy static) stays once per thread
//! and is not the bot's leak; a bot that parks bytes in a global on every
//! drop is.

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
    /// Touches a thread-local cache on each candle: correct.
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
fn a_thread_local_cache_made_by_the_first_bot_on_a_thread_is_not_a_leak() {
    // A fresh thread: the cache is made inside the first bot's group.
    let played = std::thread::spawn(|| check_scenario(&scenario(Habit::ThreadLocalCache)))
        .join()
        .unwrap();
    assert!(played.is_ok(), "{:?}", played.err());
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
}

#[test]
fn prove_on_a_fresh_thread_passes_a_bot_with_a_thread_local_cache() {
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
