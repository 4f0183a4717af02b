//! Plays a scenario and checks every invariant after every step.

use crate::bot::Bot;
use crate::heap::HeapStats;
use crate::leak::{SlopeFit, DEFAULT_HORIZON_CANDLES, DEFAULT_LEAK_BUDGET_BYTES};

use super::market::Market;
use super::run::{Run, RunOptions};
use super::scenario::{Scenario, Step, SCENARIO_MAX_CANDLES};
use super::violation::{Invariant, Violation};

/// What one step did, for step traces.
#[derive(Clone, Debug)]
pub struct StepTrace<'a, A> {
    /// Index of the step.
    pub step: u64,
    /// The step.
    pub action: &'a Step<A>,
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
    /// Steps run.
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

/// Plays `scenario` with default options.
pub fn check_scenario<B: Bot>(scenario: &Scenario<B>) -> Result<Outcome, Violation> {
    check_scenario_with(scenario, &RunOptions::default(), &mut |_| {})
}

/// Plays `scenario`, calling `trace` after each step. Checks bounds,
/// budgets, the ceiling and the bot's invariants after every step, the
/// growth candles cause (leak slope) at the end, and that dropping the bot
/// returns every byte. A config the bot refuses is a passing scenario with
/// no steps: fuzzers draw such configs, and refusing them is correct.
pub fn check_scenario_with<B: Bot>(
    scenario: &Scenario<B>,
    options: &RunOptions,
    trace: &mut dyn FnMut(&StepTrace<'_, B::Action>),
) -> Result<Outcome, Violation> {
    let Ok(mut run) = Run::<B>::new(&scenario.config, options) else {
        return Ok(Outcome {
            steps: 0,
            candles: 0,
            fills: 0,
            peak_bytes: 0,
            heap_ceiling: 0,
        });
    };
    let steps = scenario.actions.len() as u64;
    let fail = |violation: Violation, step: u64, action: &Step<B::Action>| {
        violation.at_step(step, Some(action.to_string()))
    };
    run.check(false)
        .map_err(|violation| violation.at_step(0, Some("build".to_string())))?;
    let mut market = Market::new(scenario.seed);
    let mut growth = CandleGrowth::new(run.bot());
    for (step, action) in scenario.actions.iter().enumerate() {
        let step = step as u64;
        growth.before(run.bot());
        let fed = match action {
            Step::Bot(action) => {
                run.apply(action, &market.view());
                0
            }
            Step::Candle(spec) => {
                let view = market.view();
                let candle = spec.build(view.next_time_ms, view.last_close);
                let mut once = Some(candle);
                let fed = run.feed(1, || once.take()).candles;
                market.fed(&candle);
                fed
            }
            Step::Candles(n) => {
                let room = SCENARIO_MAX_CANDLES.saturating_sub(market.view().candles);
                let n = u64::from(*n).min(room);
                run.feed(n, || {
                    let candle = market.generate();
                    market.fed(&candle);
                    Some(candle)
                })
                .candles
            }
        };
        // A step that fed nothing (Candles after the cap) must not compare
        // the last candle's records against what actions did since.
        run.check(fed > 0).map_err(|v| fail(v, step, action))?;
        if fed > 0 {
            growth.after(run.bot(), market.view().candles);
        }
        trace(&StepTrace {
            step,
            action,
            heap: run.heap(),
            fills: run.bot().activity().trades,
            candles: market.view().candles,
        });
    }
    growth.check().map_err(|v| v.at_step(steps, None))?;
    let heap = run.heap();
    let outcome = Outcome {
        steps,
        candles: market.view().candles,
        fills: run.bot().activity().trades,
        peak_bytes: heap.peak_bytes,
        heap_ceiling: run.limits().heap_ceiling,
    };
    run.finish()
        .map_err(|v| v.at_step(steps, Some("drop(bot)".to_string())))?;
    Ok(outcome)
}

/// Heap growth caused by candles alone: only candle steps are measured, so
/// what actions add between them (bounded, and not per candle) does not
/// look like a leak. A correct bot's candles allocate nothing once warm, so
/// a slope that survives its confidence band is a per-candle leak.
struct CandleGrowth {
    fit: SlopeFit,
    total: i64,
    names: Vec<&'static str>,
    before: Vec<u64>,
    per_component: Vec<i64>,
}

impl CandleGrowth {
    fn new<B: Bot>(bot: &B) -> CandleGrowth {
        let mut names = Vec::new();
        bot.components(&mut |component| names.push(component.name));
        CandleGrowth {
            fit: SlopeFit::default(),
            total: 0,
            before: vec![0; names.len()],
            per_component: vec![0; names.len()],
            names,
        }
    }

    fn before<B: Bot>(&mut self, bot: &B) {
        let mut index = 0;
        bot.components(&mut |component| {
            if let Some(slot) = self.before.get_mut(index) {
                *slot = component.bytes();
            }
            index += 1;
        });
    }

    fn after<B: Bot>(&mut self, bot: &B, candles: u64) {
        let mut index = 0;
        let (before, per_component, total) =
            (&self.before, &mut self.per_component, &mut self.total);
        bot.components(&mut |component| {
            if let (Some(before), Some(sum)) = (before.get(index), per_component.get_mut(index)) {
                let delta = component.bytes() as i64 - *before as i64;
                *sum += delta;
                *total += delta;
            }
            index += 1;
        });
        self.fit.add_signed(candles, self.total);
    }

    fn check(&self) -> Result<(), Violation> {
        let slope = self.fit.slope();
        if !slope.is_leak(DEFAULT_HORIZON_CANDLES, DEFAULT_LEAK_BUDGET_BYTES) {
            return Ok(());
        }
        let worst = (0..self.names.len())
            .max_by_key(|&i| self.per_component[i])
            .map_or("bot", |i| self.names[i]);
        Err(Violation::new(
            Invariant::LeakSlope,
            slope.projected_bytes(DEFAULT_HORIZON_CANDLES) as i64,
            DEFAULT_LEAK_BUDGET_BYTES as i64,
            "bytes over the horizon",
        )
        .in_component(worst))
    }
}
