//! Runs a scenario and checks every invariant after every action.

use crate::bot::{Defect, TradingBot, COMPONENT_NAMES};
use crate::heap::{Group, HeapStats};
use crate::leak::{SlopeFit, DEFAULT_HORIZON_CANDLES, DEFAULT_LEAK_BUDGET_BYTES};
use crate::market::{Candle, CandleGenerator, MarketParams};

use super::action::Action;
use super::checks::{self, Limits};
use super::scenario::{Scenario, SCENARIO_MAX_CANDLES};
use super::violation::{Invariant, Violation};

/// Knobs a driver may turn; the defaults are what fuzzing checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Overrides the heap ceiling computed from the config.
    pub heap_ceiling: Option<u64>,
    /// Scales every component budget by `numerator / 1024` (tests use it to
    /// set a budget below what the bot needs).
    pub budget_scale_1024: Option<u64>,
    /// Builds a deliberately broken bot.
    pub defect: Option<Defect>,
}

/// What one action did, for step traces.
#[derive(Clone, Debug)]
pub struct StepTrace<'a> {
    /// Index of the action.
    pub step: u64,
    /// The action.
    pub action: &'a Action,
    /// The bot's heap after it.
    pub heap: HeapStats,
    /// Fills so far.
    pub fills: u64,
    /// Candles so far.
    pub candles: u64,
}

/// A scenario that passed every check.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// Actions run.
    pub steps: u64,
    /// Candles fed.
    pub candles: u64,
    /// Orders filled.
    pub fills: u64,
    /// The bot's peak heap bytes.
    pub peak_bytes: u64,
    /// The ceiling checked against.
    pub heap_ceiling: u64,
}

/// Runs `scenario` with default options.
pub fn run(scenario: &Scenario) -> Result<Outcome, Violation> {
    run_with(scenario, &RunOptions::default(), &mut |_| {})
}

/// Runs `scenario`, calling `trace` after each action, and checks bounds,
/// budgets, the ceiling and the books after every action, and that dropping
/// the bot returns every byte.
pub fn run_with(
    scenario: &Scenario,
    options: &RunOptions,
    trace: &mut dyn FnMut(&StepTrace<'_>),
) -> Result<Outcome, Violation> {
    // Everything the bot allocates is charged to this group; the driver's
    // own allocations (traces, reports) happen outside it.
    let mut arena = Group::new();
    let outcome = drive(scenario, options, &mut arena, trace)?;
    let left = arena.live_bytes() as i64;
    if left != 0 {
        return Err(Violation::new(Invariant::TeardownLeak, left, 0, "bytes")
            .in_component("bot")
            .at_step(outcome.steps, Some("drop(bot)".to_string())));
    }
    Ok(outcome)
}

fn drive(
    scenario: &Scenario,
    options: &RunOptions,
    arena: &mut Group,
    trace: &mut dyn FnMut(&StepTrace<'_>),
) -> Result<Outcome, Violation> {
    let config = scenario.config.bot_config();
    let mut bot = arena
        .run(|| TradingBot::with_defect(config, options.defect))
        .unwrap_or_else(|error| unreachable!("scenario configs are clamped valid: {error}"));
    let mut limits = Limits::for_bot(&bot);
    if let Some(ceiling) = options.heap_ceiling {
        limits.heap_ceiling = ceiling;
    }
    if let Some(scale) = options.budget_scale_1024 {
        limits.budgets = limits.budgets.map(|budget| budget * scale / 1024);
    }
    let mut market = Market::new(scenario.seed);
    let mut growth = CandleGrowth::default();
    let fail = |violation: Violation, step: u64, action: &Action| {
        violation.at_step(step, Some(action.to_string()))
    };

    for (step, action) in scenario.actions.iter().enumerate() {
        let step = step as u64;
        let in_arena = arena.enter();
        let mut fed_candle = false;
        let before = bot.components().map(|component| component.bytes);
        match *action {
            Action::AddSession { id, payload_len } => {
                // A payload above the maximum is refused; that is the bound.
                let _ = bot.add_session(u64::from(id), usize::from(payload_len));
            }
            Action::GetSession { id } => {
                let _ = bot.get_session(u64::from(id));
            }
            Action::RemoveSession { id } => {
                bot.remove_session(u64::from(id));
            }
            Action::Buy {
                qty,
                price_offset_bps,
            } => {
                let price = shifted(market.last_close, price_offset_bps);
                let _ = bot.buy(i64::from(qty), price);
            }
            Action::Sell { price_offset_bps } => {
                let _ = bot.sell(shifted(market.last_close, price_offset_bps));
            }
            Action::Cleanup {
                keep_trades,
                keep_sessions,
            } => {
                bot.cleanup(usize::from(keep_trades), usize::from(keep_sessions));
            }
            Action::CacheLookup { age } => {
                let time = market.next_time - (1 + i64::from(age)) * market.params.interval_ms;
                let _ = bot.cache_lookup(time);
            }
            Action::Candle(spec) => {
                market.feed(&mut bot, spec.build(market.next_time, market.last_close));
                fed_candle = true;
            }
            Action::Candles(n) => {
                let n = u64::from(n).min(SCENARIO_MAX_CANDLES.saturating_sub(bot.candles()));
                for _ in 0..n {
                    let candle = market.generate();
                    market.feed(&mut bot, candle);
                }
                fed_candle = n > 0; // n after the cap: a stale sample must not be compared
            }
        }
        checks::check_bot(&bot, &limits).map_err(|v| fail(v, step, action))?;
        if fed_candle {
            checks::check_equity_sample(&bot).map_err(|v| fail(v, step, action))?;
            growth.record(&bot, &before);
        }
        drop(in_arena);
        trace(&StepTrace {
            step,
            action,
            heap: bot.heap(),
            fills: bot.books().fills,
            candles: bot.candles(),
        });
    }
    growth
        .check()
        .map_err(|v| v.at_step(scenario.actions.len() as u64, None))?;
    let outcome = Outcome {
        steps: scenario.actions.len() as u64,
        candles: bot.candles(),
        fills: bot.books().fills,
        peak_bytes: bot.heap().peak_bytes,
        heap_ceiling: limits.heap_ceiling,
    };
    arena.run(|| drop(bot));
    Ok(outcome)
}

/// Heap growth caused by candles alone: only candle actions are measured,
/// so sessions added between them (bounded, and not per candle) do not
/// look like a leak. The correct bot's candles allocate nothing, so any
/// slope that survives its confidence band is a per-candle leak.
#[derive(Default)]
struct CandleGrowth {
    fit: SlopeFit,
    total: i64,
    per_component: [i64; 6],
}

impl CandleGrowth {
    fn record(&mut self, bot: &TradingBot, before: &[u64; 6]) {
        for ((sum, after), before) in self
            .per_component
            .iter_mut()
            .zip(bot.components())
            .zip(before)
        {
            let delta = after.bytes as i64 - *before as i64;
            *sum += delta;
            self.total += delta;
        }
        self.fit.add_signed(bot.candles(), self.total);
    }

    fn check(&self) -> Result<(), Violation> {
        let slope = self.fit.slope();
        if !slope.is_leak(DEFAULT_HORIZON_CANDLES, DEFAULT_LEAK_BUDGET_BYTES) {
            return Ok(());
        }
        let worst = (0..6).max_by_key(|&i| self.per_component[i]).unwrap_or(0);
        Err(Violation::new(
            Invariant::LeakSlope,
            slope.projected_bytes(DEFAULT_HORIZON_CANDLES) as i64,
            DEFAULT_LEAK_BUDGET_BYTES as i64,
            "bytes over the horizon",
        )
        .in_component(COMPONENT_NAMES[worst]))
    }
}

/// The market a scenario trades in: the seeded generator plus where the
/// last candle (generated or spec) left the clock and the price.
struct Market {
    params: MarketParams,
    generator: CandleGenerator,
    next_time: i64,
    last_close: i64,
}

impl Market {
    fn new(seed: u64) -> Market {
        let params = MarketParams::default();
        Market {
            params,
            generator: CandleGenerator::with_params(seed, params),
            next_time: params.start_time_ms,
            last_close: params.start_price,
        }
    }

    fn generate(&mut self) -> Candle {
        match self.generator.next() {
            Some(candle) => candle,
            None => unreachable!("the generator is endless"),
        }
    }

    fn feed(&mut self, bot: &mut TradingBot, candle: Candle) {
        bot.step(&candle);
        self.next_time = candle.open_time() + self.params.interval_ms;
        self.last_close = candle.close();
    }
}

fn shifted(price: i64, offset_bps: i16) -> i64 {
    (price + price * i64::from(offset_bps) / 10_000).max(1)
}
