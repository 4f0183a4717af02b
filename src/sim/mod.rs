//! A simulation: candles through any bot, checks at intervals, a report.
//!
//! ```
//! use heapbound::sim::{simulate, SimOptions};
//! use heapbound::market::CandleGenerator;
//! use heapbound::paper::{BotConfig, PaperBot};
//! let options = SimOptions { candles: 20_000, ..SimOptions::default() };
//! let report = simulate::<PaperBot>(&options, &BotConfig::default(), CandleGenerator::new(42), &mut |_| {}).unwrap();
//! assert_eq!(report.candles, 20_000);
//! ```

mod prove;
mod report;
mod sampler;

pub use prove::{prove, Prove, ProveReport};
pub use report::{describe_horizon, ComponentReport, HeapReport, InputFile, LeakReport, SimReport};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use arbitrary::{Arbitrary, Unstructured};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::bot::{Activity, Bot, Cleanup, CleanupTotals, ConfigError, MarketView};
use crate::harness::{BuildError, FirstOfEach, Invariant, Run, RunOptions, Violation};
use crate::heap::{SiteSnapshot, SiteTracing};
use crate::leak::{default_leak_budget, DEFAULT_HORIZON_CANDLES};
use crate::market::Candle;
use crate::process::ProcessStats;

use sampler::Sampler;

/// How a simulation runs.
#[derive(Clone, Debug)]
pub struct SimOptions {
    /// Generator seed, recorded in the report.
    pub seed: Option<u64>,
    /// Candles to feed (fewer if the source ends first).
    pub candles: u64,
    /// Heap ceiling in bytes; `None` uses the budget computed from the config.
    pub heap_ceiling: Option<u64>,
    /// Leak projection horizon in candles.
    pub horizon_candles: u64,
    /// Growth allowed over the horizon.
    pub leak_budget_bytes: Option<u64>,
    /// Check bounds, budgets and invariants every this many candles (the
    /// peak check sees between-check spikes anyway).
    pub check_every: u64,
    /// Call `progress` every this many candles.
    pub progress_every: u64,
    /// Set to stop early (Ctrl-C): the report is then marked partial.
    pub stop: Option<Arc<AtomicBool>>,
    /// Report this many allocation sites that grew most after warm-up
    /// (captures call stacks: slow, off at 0).
    pub top_sites: usize,
    /// Apply one of the bot's own actions (a seeded mix) every this many
    /// candles, so a PASS covers what only actions fill; `None` or 0: candles
    /// only.
    pub action_every: Option<u64>,
}

/// Candles between two of the bot's actions in `simulate` and `soak` by
/// default.
pub const DEFAULT_ACTION_EVERY: u64 = 64;

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: Some(42),
            candles: 1_000_000,
            heap_ceiling: None,
            horizon_candles: DEFAULT_HORIZON_CANDLES,
            leak_budget_bytes: None,
            check_every: 1_000,
            progress_every: PROGRESS_EVERY,
            stop: None,
            top_sites: 0,
            action_every: Some(DEFAULT_ACTION_EVERY),
        }
    }
}

/// Progress, reported every `progress_every` candles: also a soak checkpoint.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Progress {
    /// Candles done.
    pub candles: u64,
    /// The bot's live heap bytes.
    pub live_bytes: u64,
    /// Live bytes per component, in the bot's component order.
    pub components: Vec<(&'static str, u64)>,
    /// Orders filled so far.
    pub trades: u64,
    /// Equity at the last close, cash units (0 for a bot without equity).
    pub equity: i64,
}

/// Candles between progress callbacks.
pub const PROGRESS_EVERY: u64 = 1 << 16;

/// The production checklist's periodic memory line, at debug level
/// (`--log debug`): what a cleanup freed, live heap and RSS.
#[cold]
fn log_cleanup(live_bytes: u64, candle: u64, cleanup: &Cleanup) {
    if tracing::enabled!(tracing::Level::DEBUG) {
        let rss = ProcessStats::read().map_or(0, |process| process.rss_bytes);
        tracing::debug!(
            candle,
            live_bytes,
            rss_bytes = rss,
            entries_dropped = cleanup.entries_dropped,
            freed_bytes = cleanup.bytes_freed,
            "cleanup"
        );
    }
}

fn snapshot<B: Bot>(run: &Run<B>, candles: u64) -> Progress {
    let mut components = Vec::new();
    if run.panic().is_some() {
        return Progress {
            candles,
            live_bytes: run.heap().live_bytes,
            components,
            trades: 0,
            equity: 0,
        };
    }
    run.bot()
        .components(&mut |component| components.push((component.name, component.bytes())));
    let activity = run.bot().activity();
    Progress {
        candles,
        live_bytes: run.heap().live_bytes,
        components,
        trades: activity.trades,
        equity: activity.equity.unwrap_or(0),
    }
}

/// The heap figures at the end of a run.
fn heap_report<B: Bot>(
    run: &Run<B>,
    initial: crate::heap::HeapStats,
    warm_allocations: u64,
    fed: u64,
    warmup: u64,
) -> HeapReport {
    let heap = run.heap();
    let steady_candles = fed.saturating_sub(warmup);
    HeapReport {
        source: if run.bot().reported_heap().is_some() {
            "bot"
        } else {
            "allocator"
        },
        initial_bytes: initial.live_bytes,
        final_bytes: heap.live_bytes,
        growth_bytes: heap.live_bytes as i64 - initial.live_bytes as i64,
        peak_bytes: heap.peak_bytes,
        allocations: heap.allocations,
        deallocations: heap.deallocations,
        steady_allocations_per_candle: if steady_candles == 0 {
            0.0
        } else {
            heap.allocations.saturating_sub(warm_allocations) as f64 / steady_candles as f64
        },
        warmup_candles: warmup,
        ceiling_bytes: run.limits().heap_ceiling,
    }
}

/// Each component's figures at the end of a run, by name, and the names
/// of those whose bound the run never reached.
fn component_reports<B: Bot>(
    run: &Run<B>,
    sampler: &Sampler,
) -> (BTreeMap<String, ComponentReport>, Vec<String>) {
    let limits = *run.limits();
    let mut components = BTreeMap::new();
    let mut not_exercised = Vec::new();
    if run.panic().is_some() {
        return (components, not_exercised);
    }
    let mut index = 0;
    run.bot().components(&mut |component| {
        let max_len = sampler.max_len(index).max(component.len);
        if component.bound != usize::MAX && max_len < component.bound {
            not_exercised.push(format!(
                "{} ({} of {})",
                component.name, max_len, component.bound
            ));
        }
        components.insert(
            component.name.to_string(),
            ComponentReport {
                bytes: component.bytes(),
                bytes_known: component.known_bytes().is_some(),
                len: component.len,
                bound: component.bound,
                budget: limits.budget(&component),
                slope_bytes_per_candle: sampler.component_slope(index),
                max_len,
            },
        );
        index += 1;
    });
    (components, not_exercised)
}

/// Actions in one phase of the mix.
const PHASE_ACTIONS: u64 = 256;

/// The bot's own actions, drawn as a seeded mix through their `Arbitrary`
/// impl, one every `every` candles, in phases: a phase repeats one kind
/// of action (the bytes that pick an enum's variant stay fixed, as derived
/// `Arbitrary` reads them first), with small arguments in three phases of
/// four and full-range ones in the fourth. A uniform mix adds and removes in equal
/// measure and never fills a container to its bound; phases do, and still
/// try extreme arguments.
struct ActionMix {
    rng: ChaCha8Rng,
    every: u64,
    bytes: [u8; 64],
    tag: [u8; 4],
    small: bool,
    drawn: u64,
    applied: u64,
    /// Actions applied together, every `every` candles.
    burst: u64,
}

impl ActionMix {
    /// One action every `every` candles on average, `burst` at a time.
    fn new(seed: u64, every: u64, burst: u64) -> ActionMix {
        ActionMix {
            // Its own stream: the candles' generator is seeded by `seed`.
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x6163_7469_6f6e_7321),
            every: every.saturating_mul(burst),
            burst,
            bytes: [0; 64],
            tag: [0; 4],
            small: true,
            drawn: 0,
            applied: 0,
        }
    }

    /// The next candle count after `fed` at which an action is due.
    fn next_due(&self, fed: u64) -> u64 {
        (fed / self.every + 1) * self.every
    }

    fn draw<A: for<'a> Arbitrary<'a>>(&mut self) -> Option<A> {
        if self.drawn % PHASE_ACTIONS == 0 {
            self.rng.fill_bytes(&mut self.tag);
            // Three phases in four with small arguments, one full-range.
            self.small = (self.drawn / PHASE_ACTIONS) % 4 != 3;
        }
        self.drawn += 1;
        self.rng.fill_bytes(&mut self.bytes);
        if self.small {
            for byte in &mut self.bytes {
                *byte &= 0x07;
            }
        }
        self.bytes[..4].copy_from_slice(&self.tag);
        A::arbitrary(&mut Unstructured::new(&self.bytes)).ok()
    }
}

/// The close of the last candle fed, for the actions' market view.
struct LastCandle {
    close: i64,
    next_time: i64,
    interval: i64,
}

/// A simulation under way: one bot, its checks and measurements.
struct Simulation<'o, B: Bot> {
    options: &'o SimOptions,
    run: Run<B>,
    sampler: Sampler,
    found: FirstOfEach,
    cleanups: CleanupTotals,
    actions: Option<ActionMix>,
    initial: crate::heap::HeapStats,
    warmup: u64,
    warm_allocations: u64,
    check_every: u64,
    /// Whether checks after warm-up go with the samples (a bot process).
    check_at_samples: bool,
    sites: Option<(SiteTracing, SiteSnapshot)>,
    fed: u64,
    /// Whether an action ran since the last candle: the check after it is
    /// then not a check after a candle (the candle's records are stale).
    acted: bool,
    partial: bool,
}

impl<'o, B: Bot> Simulation<'o, B> {
    fn start(options: &'o SimOptions, config: &B::Config) -> Result<Self, BuildError> {
        let run_options = RunOptions {
            heap_ceiling: options.heap_ceiling,
            budget_scale_1024: None,
        };
        let mut run = Run::<B>::new(config, &run_options)?;
        let initial = run.heap();
        let warmup = run.bot().warmup_candles(options.candles);
        // A bot in another process answers each observation over a pipe and
        // measures itself (walking its containers): sample the slope 64
        // times, not 1,024, and check it every few candle batches during
        // warm-up and at the samples after it, whose observation it shares
        // (a broken bound stays broken, so it is still caught, a little
        // later).
        let remote = run.bot().reported_heap().is_some();
        let samples = if remote { 64 } else { 1_024 };
        let sampler = Sampler::new(run.bot(), options.candles, warmup, samples);
        let check_every = if remote {
            // Whole batches, at most 16 of them, and at least eight checks
            // in the warm-up: a short run reports a broken bound near where
            // it broke, a long one pays for few samples.
            let batches = (warmup / 8 / 4_096).clamp(1, 16);
            options.check_every.max(batches * 4_096)
        } else {
            options.check_every.max(1)
        };
        let mut found = FirstOfEach::default();
        for violation in run.check(false) {
            found.record(violation.at_step(0, Some("build".to_string())));
        }
        // A bot process gets its actions in bursts at batch boundaries, so
        // candles still travel in full batches.
        let burst = if remote { 64 } else { 1 };
        let actions = options
            .action_every
            .filter(|&every| every > 0)
            .map(|every| ActionMix::new(options.seed.unwrap_or(0), every, burst));
        let mut simulation = Simulation {
            options,
            run,
            sampler,
            found,
            cleanups: CleanupTotals::default(),
            actions,
            initial,
            warmup,
            warm_allocations: initial.allocations,
            check_every,
            check_at_samples: remote,
            sites: None,
            fed: 0,
            acted: false,
            partial: false,
        };
        if warmup == 0 {
            simulation.start_sites();
        }
        Ok(simulation)
    }

    fn start_sites(&mut self) {
        if self.options.top_sites > 0 {
            let tracing = SiteTracing::start_within(self.run.group());
            let snapshot = tracing.snapshot();
            self.sites = Some((tracing, snapshot));
        }
    }

    /// The next candle count at which something is due.
    fn next_stop(&self, progress_every: u64) -> u64 {
        let fed = self.fed;
        let next_check = if self.check_at_samples && fed >= self.warmup {
            u64::MAX // the next sample
        } else {
            (fed / self.check_every + 1) * self.check_every
        };
        let next_progress = (fed / progress_every + 1) * progress_every;
        let next_sample = if fed < self.warmup {
            self.warmup
        } else {
            self.sampler.next_due(fed)
        };
        let next_action = self
            .actions
            .as_ref()
            .map_or(u64::MAX, |mix| mix.next_due(fed));
        self.options
            .candles
            .min(next_check)
            .min(next_progress)
            .min(next_sample)
            .min(next_action)
    }

    /// Feeds up to `until` candles in all; `false` when the source ended.
    fn feed(
        &mut self,
        until: u64,
        source: &mut impl Iterator<Item = Candle>,
        last: &mut LastCandle,
    ) -> bool {
        let chunk = self.run.feed(until - self.fed, || {
            let candle = source.next()?;
            last.close = candle.close();
            last.next_time = candle.open_time() + last.interval;
            Some(candle)
        });
        if chunk.candles == 0 {
            return false;
        }
        self.fed += chunk.candles;
        self.acted = false;
        self.cleanups.merge(&chunk.cleanups);
        if let Some(cleanup) = chunk.cleanups.last {
            log_cleanup(self.run.heap().live_bytes, self.fed, &cleanup);
        }
        self.alive()
    }

    /// Whatever is due at this candle count: a sample, a check, then an
    /// action (checked after the candles that follow it, so the check
    /// after a candle compares the candle's records with the books).
    fn due(&mut self, last: &LastCandle) {
        let fed = self.fed;
        if fed == self.warmup {
            self.warm_allocations = self.run.heap().allocations;
            self.start_sites();
        }
        let sampled = self.sampler.is_due(fed);
        if sampled {
            self.run.observe();
            self.sampler.sample(fed, &self.run);
        }
        let check_due = if self.check_at_samples && fed > self.warmup {
            sampled
        } else {
            fed % self.check_every == 0
        };
        if check_due {
            self.check(true);
        }
        self.apply_due_action(last);
    }

    fn apply_due_action(&mut self, last: &LastCandle) {
        let Some(mix) = self.actions.as_mut() else {
            return;
        };
        if self.fed % mix.every != 0 {
            return;
        }
        let market = MarketView {
            last_close: last.close,
            next_time_ms: last.next_time,
            interval_ms: last.interval,
            candles: self.fed,
        };
        for _ in 0..mix.burst {
            let Some(action) = mix.draw::<B::Action>() else {
                continue;
            };
            mix.applied += 1;
            self.run.apply(&action, &market);
            self.acted = true;
        }
        if self.run.bot().reported_heap().is_none() {
            // Lengths after an action are free to read in this process.
            self.sampler.note_lengths(&self.run);
        }
    }

    fn check(&mut self, after_candle: bool) {
        for violation in self.run.check(after_candle) {
            let action = violation.action.clone();
            self.found.record(violation.at_step(self.fed, action));
        }
        self.sampler.note_lengths(&self.run);
    }

    /// Whether the bot can go on: not panicked, and (a bot process) not
    /// dead, hung or off the protocol. Asked after every stretch of
    /// candles, so a report says how far the bot really got.
    fn alive(&mut self) -> bool {
        if self.run.panic().is_some() {
            return false;
        }
        if self.run.bot().reported_heap().is_none() {
            return true;
        }
        match self.run.bot().check(true) {
            Err(violation)
                if matches!(
                    violation.invariant,
                    Invariant::BotProcess | Invariant::Protocol
                ) =>
            {
                self.found.record(violation.at_step(self.fed, None));
                false
            }
            _ => true,
        }
    }

    /// The leak budget in force: the option, else the default for where
    /// the bot's heap is measured.
    fn leak_budget(&self) -> u64 {
        let reported = self.run.bot().reported_heap().is_some();
        self.options
            .leak_budget_bytes
            .unwrap_or_else(|| default_leak_budget(reported))
    }

    fn report(mut self, elapsed: f64) -> SimReport {
        let options = self.options;
        let fed = self.fed;
        let top_sites = self
            .sites
            .take()
            .map(|(tracing, before)| tracing.snapshot().growth_since(&before, options.top_sites))
            .unwrap_or_default();
        self.check(fed > 0 && !self.acted);
        let leak = self
            .sampler
            .verdict(options.horizon_candles, self.leak_budget());
        if let Some(violation) = leak.violation.clone() {
            self.found.record(violation.at_step(fed, None));
        }
        let run = &self.run;
        let activity = if run.panic().is_none() {
            run.bot().activity()
        } else {
            Activity::default()
        };
        let equity = activity.equity.unwrap_or(0);
        let (components, not_exercised) = component_reports(run, &self.sampler);
        let mut report = SimReport {
            partial: self.partial,
            seed: options.seed,
            input: None,
            candles: fed,
            bot: B::NAME.to_string(),
            trades: activity.trades,
            equity,
            equity_quote: equity as f64 / activity.cash_units_per_quote.max(1) as f64,
            strategy: if run.panic().is_none() {
                run.bot().describe().to_string()
            } else {
                B::NAME.to_string()
            },
            rejected_orders: activity.rejected_orders,
            cleanups: activity.cleanups,
            cleanup_freed_bytes: self.cleanups.freed_bytes,
            cleanup_max_freed_bytes: self.cleanups.max_freed_bytes,
            heap: heap_report(run, self.initial, self.warm_allocations, fed, self.warmup),
            components,
            actions: self.actions.as_ref().map_or(0, |mix| mix.applied),
            not_exercised,
            leak: leak.report,
            top_sites,
            process: run.bot().process().or_else(ProcessStats::read),
            candles_per_second: if elapsed > 0.0 {
                fed as f64 / elapsed
            } else {
                0.0
            },
            elapsed_seconds: elapsed,
            verdict: "pass",
            violations: Vec::new(),
            broken: Vec::new(),
        };
        // Teardown is checked too; a bot that leaks past its own drop fails.
        if let Err(violation) = self.run.finish() {
            self.found
                .record(violation.at_step(fed, Some("drop(bot)".to_string())));
        }
        report.broken = self.found.into_vec();
        report.violations = report.broken.iter().map(Violation::summary).collect();
        if !report.violations.is_empty() {
            report.verdict = "fail";
        }
        report
    }
}

/// The report of a bot that panicked while it was built.
fn build_panic<B: Bot>(options: &SimOptions, violation: Violation) -> SimReport {
    let broken = vec![violation.at_step(0, Some("build".to_string()))];
    SimReport {
        seed: options.seed,
        bot: B::NAME.to_string(),
        strategy: B::NAME.to_string(),
        verdict: "fail",
        violations: broken.iter().map(Violation::summary).collect(),
        broken,
        ..SimReport::default()
    }
}

/// Feeds `candles` to a bot built from `config`, checking as it goes, and
/// applying a seeded mix of the bot's own actions (`action_every`).
pub fn simulate<B: Bot>(
    options: &SimOptions,
    config: &B::Config,
    candles: impl IntoIterator<Item = Candle>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SimReport, ConfigError> {
    let mut simulation = match Simulation::<B>::start(options, config) {
        Ok(simulation) => simulation,
        Err(BuildError::Config(error)) => return Err(error),
        Err(BuildError::Panic(violation)) => return Ok(build_panic::<B>(options, violation)),
    };
    let progress_every = options.progress_every.max(1);
    let stop = options.stop.as_deref();
    let started = Instant::now();
    let mut source = candles.into_iter();
    let mut last = LastCandle {
        close: crate::market::MarketParams::default().start_price,
        next_time: crate::market::MarketParams::default().start_time_ms,
        interval: crate::market::MarketParams::default().interval_ms,
    };
    while simulation.fed < options.candles {
        // Feed up to the next candle where something is due, with the
        // bot's group entered once for the whole stretch.
        let until = simulation.next_stop(progress_every);
        if !simulation.feed(until, &mut source, &mut last) {
            break;
        }
        simulation.due(&last);
        if simulation.fed % progress_every == 0 {
            simulation.run.observe();
            progress(&snapshot(&simulation.run, simulation.fed));
            if stop.is_some_and(|stop| stop.load(Ordering::Relaxed)) {
                simulation.partial = true;
                break;
            }
        }
    }
    if !simulation.partial && simulation.fed % progress_every != 0 {
        // The last checkpoint is always the end of the run.
        simulation.run.observe();
        progress(&snapshot(&simulation.run, simulation.fed));
    }
    Ok(simulation.report(started.elapsed().as_secs_f64()))
}
