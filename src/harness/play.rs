//! Plays a scenario and checks every invariant after every step.

use crate::bot::Bot;
use crate::heap::HeapStats;
use crate::leak::{scenario_leak_budget, Growth, GrowthModel, Part, DEFAULT_HORIZON_CANDLES};

use super::checks;
use super::market::Market;
use super::run::{BuildError, Run, RunOptions};
use super::scenario::{Scenario, Step, SCENARIO_MAX_CANDLES};
use crate::violation::{Failure, FirstOfEach, Invariant, Violation};

/// What one step did, for step traces.
#[derive(Clone)]
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
    /// The bot after it: its components and activity, read on demand.
    pub bot: &'a dyn BotState,
}

/// What a step trace reads of the bot, on demand (guided `explore` reads
/// it to tell new behaviour from old).
pub trait BotState {
    /// [`Bot::components`].
    fn visit_components(&self, visit: &mut dyn FnMut(crate::bot::Component<'_>));
    /// [`Bot::activity`].
    fn activity_now(&self) -> crate::bot::Activity;
    /// [`Bot::coverage`].
    fn visit_coverage(&self, visit: &mut dyn FnMut(u64)) -> bool;
}

impl<B: Bot> BotState for B {
    fn visit_components(&self, visit: &mut dyn FnMut(crate::bot::Component<'_>)) {
        self.components(visit);
    }

    fn activity_now(&self) -> crate::bot::Activity {
        self.activity()
    }

    fn visit_coverage(&self, visit: &mut dyn FnMut(u64)) -> bool {
        self.coverage(visit)
    }
}

impl<A: std::fmt::Debug> std::fmt::Debug for StepTrace<'_, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StepTrace")
            .field("step", &self.step)
            .field("action", &self.action)
            .field("heap", &self.heap)
            .field("fills", &self.fills)
            .field("candles", &self.candles)
            .finish_non_exhaustive()
    }
}

/// A scenario that passed every check.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
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
pub fn check_scenario<B: Bot>(scenario: &Scenario<B>) -> Result<Outcome, Failure> {
    check_scenario_with(scenario, &RunOptions::default(), &mut |_| {})
}

/// Plays `scenario`, calling `trace` after each step. Checks bounds,
/// budgets, the ceiling and the bot's invariants after every step, the
/// growth candles cause (the growth model, `leak::GrowthModel`) at the
/// end, and that dropping the bot returns every byte. Every broken
/// invariant is reported, the first step of each (invariant, component);
/// a panic in the bot ends the scenario as a `bot-panic` violation. A
/// config the bot refuses is a passing scenario with no steps: fuzzers
/// draw such configs, and refusing them is correct.
pub fn check_scenario_with<B: Bot>(
    scenario: &Scenario<B>,
    options: &RunOptions,
    trace: &mut dyn FnMut(&StepTrace<'_, B::Action>),
) -> Result<Outcome, Failure> {
    let mut run = match Run::<B>::new(&scenario.config, options) {
        Ok(run) => run,
        Err(BuildError::Config(_)) => return Ok(Outcome::default()),
        Err(BuildError::Panic(violation)) => {
            return Err(Failure::one(
                violation.at_step(0, Some("build".to_string())),
            ))
        }
    };
    let steps = scenario.actions.len() as u64;
    let mut found = FirstOfEach::default();
    for violation in run.check(false) {
        found.record(violation.at_step(0, Some("build".to_string())));
    }
    let mut market = Market::new(scenario.seed);
    let mut growth = GrowthModel::candle_steps();
    let mut parts = Vec::new();
    // The same warm-up as `simulate` gives the bot for a run of the most
    // candles a scenario feeds: containers fill before growth counts.
    let warmup = run.bot().warmup_candles(SCENARIO_MAX_CANDLES);
    observe_growth(&run, &mut growth, &mut parts, 0, true);
    for (step, action) in scenario.actions.iter().enumerate() {
        let step = step as u64;
        let fed = play_step(&mut run, &mut market, action);
        // A step that fed nothing (Candles after the cap) must not compare
        // the last candle's records against what actions did since.
        for violation in run.check(fed > 0) {
            found.record(violation.at_step(step, Some(action.to_string())));
        }
        if run.panic().is_some() {
            return Err(found
                .into_failure()
                .unwrap_or_else(|| unreachable!("a panic is recorded by the check after it")));
        }
        let by_candles = matches!(
            action,
            Step::Candle(_) | Step::Candles(_) | Step::Recorded(_)
        ) && fed > 0
            && market.view().candles > warmup;
        observe_growth(
            &run,
            &mut growth,
            &mut parts,
            market.view().candles,
            by_candles,
        );
        trace(&StepTrace {
            step,
            action,
            heap: run.heap(),
            fills: run.bot().activity().trades,
            candles: market.view().candles,
            bot: run.bot(),
        });
    }
    if let Some(violation) = leak_violation(&run, &growth) {
        found.record(violation.at_step(steps, None));
    }
    let heap = run.heap();
    let outcome = Outcome {
        steps,
        candles: market.view().candles,
        fills: run.bot().activity().trades,
        peak_bytes: heap.peak_bytes,
        heap_ceiling: run.limits().heap_ceiling,
    };
    if let Err(violation) = run.finish() {
        found.record(violation.at_step(steps, Some("drop(bot)".to_string())));
    }
    match found.into_failure() {
        Some(failure) => Err(failure),
        None => Ok(outcome),
    }
}

/// Plays one step; returns the candles it fed.
fn play_step<B: Bot>(run: &mut Run<B>, market: &mut Market, action: &Step<B::Action>) -> u64 {
    match action {
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
        Step::Recorded(candle) => {
            let mut once = Some(*candle);
            let fed = run.feed(1, || once.take()).candles;
            market.fed(candle);
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
    }
}

fn observe_growth<B: Bot>(
    run: &Run<B>,
    growth: &mut GrowthModel,
    parts: &mut Vec<Part>,
    candles: u64,
    by_candles: bool,
) {
    run.parts(parts);
    growth.observe(candles, run.heap().live_bytes, parts, by_candles);
}

/// The growth model's verdict on a scenario, as a violation when a leak.
fn leak_violation<B: Bot>(run: &Run<B>, growth: &GrowthModel) -> Option<Violation> {
    let budget = scenario_leak_budget(run.bot().reported_heap().is_some());
    let verdict = growth.verdict(DEFAULT_HORIZON_CANDLES, budget);
    verdict.leak.then(|| {
        let names = component_names(run.bot());
        leak_slope_violation(&verdict, budget, &names)
    })
}

/// The names of `bot`'s components, in its order.
pub(crate) fn component_names<B: Bot>(bot: &B) -> Vec<&'static str> {
    let mut names = Vec::new();
    bot.components(&mut |component| names.push(component.name));
    names
}

/// The `leak-slope` violation of a leak verdict, naming the blamed
/// component (or `bot` for heap outside every component).
pub(crate) fn leak_slope_violation(verdict: &Growth, budget: u64, names: &[&str]) -> Violation {
    let component = verdict
        .blamed
        .and_then(|index| names.get(index).copied())
        .unwrap_or("bot");
    Violation::new(
        Invariant::LeakSlope,
        verdict.projected_bytes.round() as i64,
        checks::signed(budget),
        "bytes over the horizon",
    )
    .in_component(component)
    .with_detail(format!(
        "{:.3} ± {:.3} B/candle over {} samples, floor rose {} times",
        verdict.slope.bytes_per_candle,
        verdict.slope.confidence_95,
        verdict.slope.samples,
        verdict.rises
    ))
}
