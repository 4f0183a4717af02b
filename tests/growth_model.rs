//! The growth model on bots shaped like the ones real users bring: state
//! a framework keeps outside any component, lazy first allocations, daily
//! rebuilds, logs that fill slowly, a position still open when the run
//! ends. Correct shapes raise no alarm in `simulate` or in scenarios; a
//! drip outside every component is caught by both.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use std::collections::VecDeque;

use heapbound::harness::{check_scenario, Invariant, Scenario, Step};
use heapbound::heap::Tracked;
use heapbound::market::CandleGenerator;
use heapbound::sim::{simulate, SimOptions, SimReport};
use heapbound::{Bot, Candle, CandleOutcome, Component, ConfigError, MarketView};

/// What the bot does besides trading.
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
enum Shape {
    /// Nothing: a flat bot.
    #[default]
    Flat,
    /// Keeps 48 bytes every 1,000 candles in state no component reports.
    HiddenDrip,
    /// A framework's lazy first allocation (790 B) on the first candle
    /// above the start price, never freed, outside components.
    LazyAllocation,
    /// A day's closes in framework state (outside components), rebuilt
    /// when the day changes: a bounded sawtooth.
    DailyRebuild,
    /// A log component bounded at 10,000 entries, one entry every 40
    /// candles: still filling after 300,000 candles.
    SlowLog,
    /// A 48-byte position list opened on a candle 30 before the end of a
    /// scenario of 4,000 candles and left open.
    OpenAtEnd,
    /// A framework's order book (no group of its own: its bytes are the
    /// bot's) reported as a counted component, filling to its bound of
    /// 20,000 entries at one every 10 candles.
    CountedFill,
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
struct ShapeConfig {
    shape: Shape,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
enum ShapeAction {
    Note,
}

struct Shaped {
    shape: Shape,
    candles: u64,
    /// State a framework keeps: no component reports it.
    framework: Vec<u8>,
    day: i64,
    lazy: Option<Box<[u8; 790]>>,
    position: Vec<u64>,
    log: Tracked<VecDeque<u64>>,
    last_time: i64,
    backwards: i64,
}

const LOG_BOUND: usize = 10_000;
const BOOK_BOUND: usize = 20_000;

impl Bot for Shaped {
    type Config = ShapeConfig;
    type Action = ShapeAction;
    const NAME: &'static str = "shaped";

    fn build(config: &ShapeConfig) -> Result<Self, ConfigError> {
        Ok(Shaped {
            shape: config.shape,
            candles: 0,
            framework: Vec::new(),
            day: 0,
            lazy: None,
            position: Vec::new(),
            log: Tracked::new(VecDeque::new),
            last_time: i64::MIN,
            backwards: 0,
        })
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        self.candles += 1;
        if candle.open_time() <= self.last_time {
            self.backwards += 1;
        }
        self.last_time = candle.open_time();
        match self.shape {
            Shape::Flat => {}
            Shape::HiddenDrip => {
                if self.candles % 1_000 == 0 {
                    self.framework.extend_from_slice(&[0u8; 48]);
                    // Exact growth: no capacity slack.
                    self.framework.shrink_to_fit();
                }
            }
            Shape::LazyAllocation => {
                if self.lazy.is_none() && candle.close() > candle.open() {
                    self.lazy = Some(Box::new([1; 790]));
                }
            }
            Shape::DailyRebuild => {
                let day = candle.open_time() / 86_400_000;
                if day != self.day {
                    self.day = day;
                    self.framework = Vec::new();
                }
                self.framework
                    .extend_from_slice(&candle.close().to_le_bytes());
            }
            Shape::SlowLog => {
                if self.candles % 40 == 0 {
                    let close = candle.close() as u64;
                    self.log.with_mut(|log| {
                        if log.len() == LOG_BOUND {
                            log.pop_front();
                        }
                        log.push_back(close);
                    });
                }
            }
            Shape::OpenAtEnd => {
                if self.candles == 3_970 {
                    self.position = vec![1, 2, 3, 4, 5, 6];
                }
            }
            Shape::CountedFill => {
                if self.candles % 10 == 0 && self.position.len() < BOOK_BOUND {
                    self.position.push(candle.close() as u64);
                }
            }
        }
        CandleOutcome::default()
    }

    fn apply(&mut self, _action: &ShapeAction, _market: &MarketView) {}

    fn check(&self, _after_candle: bool) -> Result<(), heapbound::Violation> {
        if self.backwards > 0 {
            return Err(heapbound::Violation::domain(
                "time-goes-forward",
                self.backwards,
                0,
                "candles back in time",
            ));
        }
        Ok(())
    }

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        visit(
            Component::new("log", &self.log)
                .entries(self.log.get().len(), LOG_BOUND)
                .budget((LOG_BOUND * 8) as u64 * 2 + 64),
        );
        if self.shape == Shape::CountedFill {
            visit(Component::counted("book").entries(self.position.len(), BOOK_BOUND));
        }
    }
}

fn simulated(shape: Shape, seed: u64, candles: u64) -> SimReport {
    let options = SimOptions {
        seed: Some(seed),
        candles,
        heap_ceiling: Some(u64::MAX),
        ..SimOptions::default()
    };
    simulate::<Shaped>(
        &options,
        &ShapeConfig { shape },
        CandleGenerator::new(seed),
        &mut |_| {},
    )
    .unwrap()
}

fn scenario(shape: Shape, candles: u64) -> Scenario<Shaped> {
    let steps = (candles / 250) as usize;
    let mut actions = vec![Step::Candles(250); steps];
    // Spec candles between generated runs: one clock for both.
    for i in (0..steps).step_by(4) {
        actions.insert(i, Step::Bot(ShapeAction::Note));
    }
    Scenario {
        seed: 3,
        config: ShapeConfig { shape },
        actions,
    }
}

#[test]
fn correct_shapes_raise_no_alarm_in_simulate() {
    for shape in [
        Shape::Flat,
        Shape::LazyAllocation,
        Shape::DailyRebuild,
        Shape::SlowLog,
        Shape::CountedFill,
    ] {
        for seed in 0..3 {
            let report = simulated(shape, seed, 300_000);
            assert_eq!(
                report.verdict, "pass",
                "{shape:?} seed {seed}: {:?} slope {:?}",
                report.violations, report.leak
            );
        }
    }
}

#[test]
fn correct_shapes_raise_no_alarm_in_scenarios() {
    for shape in [
        Shape::Flat,
        Shape::LazyAllocation,
        Shape::DailyRebuild,
        Shape::SlowLog,
        Shape::OpenAtEnd,
    ] {
        if let Err(failure) = check_scenario(&scenario(shape, 4_000)) {
            panic!("{shape:?}: {failure}");
        }
    }
}

#[test]
fn a_drip_outside_every_component_is_caught_by_simulate_and_scenarios() {
    let report = simulated(Shape::HiddenDrip, 0, 1_000_000);
    assert_eq!(report.leak.verdict, "leak", "{:?}", report.leak);
    let violation = report
        .broken
        .iter()
        .find(|v| v.invariant == Invariant::LeakSlope)
        .unwrap();
    // Heap outside every component is the bot's own.
    assert_eq!(violation.component.as_deref(), Some("bot"));
    assert!(
        (report.leak.slope_bytes_per_candle - 0.048).abs() < 0.002,
        "{:?}",
        report.leak
    );
    let failure = check_scenario(&scenario(Shape::HiddenDrip, 20_000)).unwrap_err();
    assert_eq!(failure.first().invariant, Invariant::LeakSlope, "{failure}");
}

#[test]
fn a_scenario_feeds_one_clock() {
    // Spec candles between generated runs: the bot's own invariant that
    // time only goes forward holds (it broke when spec candles took the
    // market's clock and generated ones the generator's).
    let mut scenario = scenario(Shape::Flat, 2_000);
    let spec = heapbound::harness::CandleSpec {
        open_bps: 0,
        body_bps: 10,
        wick_up_bps: 5,
        wick_down_bps: 5,
        volume: 1,
    };
    for at in [1, 4, 9] {
        scenario.actions.insert(at, Step::Candle(spec));
    }
    let outcome = check_scenario(&scenario).unwrap();
    assert_eq!(outcome.candles, 2_003);
}

/// The same counted component without its length: the heap it fills is
/// then growth nothing explains, and the model calls it (the regressor is
/// what keeps the counted bot quiet, not a lenient budget).
#[test]
fn a_counted_component_explains_its_filling_and_nothing_else_does() {
    let report = simulated(Shape::CountedFill, 0, 300_000);
    assert_eq!(report.verdict, "pass", "{:?}", report.leak);
    assert_eq!(report.components["book"].max_len, 20_000);
    // Undeclared, the same bytes are a leak while they fill.
    let options = SimOptions {
        seed: Some(0),
        candles: 150_000,
        heap_ceiling: Some(u64::MAX),
        ..SimOptions::default()
    };
    let hidden = simulate::<Undeclared>(
        &options,
        &ShapeConfig {
            shape: Shape::CountedFill,
        },
        CandleGenerator::new(0),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(hidden.leak.verdict, "leak", "{:?}", hidden.leak);
}

/// [`Shaped`] that reports only its log, never its book.
struct Undeclared(Shaped);

impl Bot for Undeclared {
    type Config = ShapeConfig;
    type Action = ShapeAction;
    const NAME: &'static str = "undeclared";

    fn build(config: &ShapeConfig) -> Result<Self, ConfigError> {
        Shaped::build(config).map(Undeclared)
    }
    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        self.0.on_candle(candle)
    }
    fn apply(&mut self, action: &ShapeAction, market: &MarketView) {
        self.0.apply(action, market)
    }
    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        visit(Component::new("log", &self.0.log).entries(self.0.log.get().len(), LOG_BOUND));
    }
}
