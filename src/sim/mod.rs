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

mod report;
mod sampler;

pub use report::{describe_horizon, ComponentReport, HeapReport, InputFile, LeakReport, SimReport};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::bot::{Bot, Cleanup, ConfigError};
use crate::harness::{Invariant, Run, RunOptions, Violation};
use crate::heap::{SiteSnapshot, SiteTracing};
use crate::leak::{DEFAULT_HORIZON_CANDLES, DEFAULT_LEAK_BUDGET_BYTES};
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
    pub leak_budget_bytes: u64,
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
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: Some(42),
            candles: 1_000_000,
            heap_ceiling: None,
            horizon_candles: DEFAULT_HORIZON_CANDLES,
            leak_budget_bytes: DEFAULT_LEAK_BUDGET_BYTES,
            check_every: 1_000,
            progress_every: PROGRESS_EVERY,
            stop: None,
            top_sites: 0,
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

/// The names of `bot`'s components, in its order.
pub fn component_names<B: Bot>(bot: &B) -> Vec<&'static str> {
    let mut names = Vec::new();
    bot.components(&mut |component| names.push(component.name));
    names
}

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

/// The first violation of each (invariant, component), with the candle it
/// broke at.
#[derive(Default)]
struct Violations(BTreeMap<(Invariant, Option<String>), Violation>);

impl Violations {
    fn record(&mut self, violation: Violation, candle: u64) {
        let key = (violation.invariant.clone(), violation.component.clone());
        let action = violation.action.clone();
        self.0
            .entry(key)
            .or_insert_with(|| violation.at_step(candle, action));
    }
}

/// Cleanups over a run.
#[derive(Default)]
struct Cleanups {
    freed: u64,
    max_freed: u64,
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
            (heap.allocations - warm_allocations) as f64 / steady_candles as f64
        },
        warmup_candles: warmup,
        ceiling_bytes: run.limits().heap_ceiling,
    }
}

/// Each component's figures at the end of a run, by name.
fn component_reports<B: Bot>(run: &Run<B>, sampler: &Sampler) -> BTreeMap<String, ComponentReport> {
    let limits = *run.limits();
    let mut components = BTreeMap::new();
    let mut index = 0;
    run.bot().components(&mut |component| {
        components.insert(
            component.name.to_string(),
            ComponentReport {
                bytes: component.bytes(),
                len: component.len,
                bound: component.bound,
                budget: limits.budget(&component),
                slope_bytes_per_candle: sampler.component_slope(index),
            },
        );
        index += 1;
    });
    components
}

/// Feeds `candles` to a bot built from `config`, checking as it goes.
pub fn simulate<B: Bot>(
    options: &SimOptions,
    config: &B::Config,
    candles: impl IntoIterator<Item = Candle>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SimReport, ConfigError> {
    let run_options = RunOptions {
        heap_ceiling: options.heap_ceiling,
        budget_scale_1024: None,
    };
    let mut run = Run::<B>::new(config, &run_options)?;
    let initial = run.heap();
    let warmup = run.bot().warmup_candles(options.candles);
    // A bot in another process answers each observation over a pipe and
    // measures itself (walking its containers): sample the slope 64 times,
    // not 1,024, and check it at most every 16 candle batches (a broken
    // bound stays broken, so it is still caught, a little later).
    let remote = run.bot().reported_heap().is_some();
    let samples = if remote { 64 } else { 1_024 };
    let mut sampler = Sampler::new(run.bot(), options.candles, warmup, samples);
    let check_every = if remote {
        options.check_every.max(16 * 4_096)
    } else {
        options.check_every.max(1)
    };
    let progress_every = options.progress_every.max(1);
    let stop = options.stop.as_deref();
    let mut partial = false;
    let mut violations = Violations::default();
    let mut warm_allocations = initial.allocations;
    let mut sites: Option<(SiteTracing, SiteSnapshot)> = None;
    let start_sites = |sites: &mut Option<(SiteTracing, SiteSnapshot)>, run: &Run<B>| {
        if options.top_sites > 0 {
            let tracing = SiteTracing::start_within(run.group());
            let snapshot = tracing.snapshot();
            *sites = Some((tracing, snapshot));
        }
    };
    if warmup == 0 {
        start_sites(&mut sites, &run);
    }
    let mut cleanups = Cleanups::default();
    if let Err(violation) = run.check(false) {
        violations.record(violation, 0);
    }
    let started = Instant::now();
    let mut source = candles.into_iter();
    let total = options.candles;
    let mut fed = 0u64;
    while fed < total {
        // Feed up to the next candle where something is due, with the
        // bot's group entered once for the whole stretch.
        let next_check = (fed / check_every + 1) * check_every;
        let next_progress = (fed / progress_every + 1) * progress_every;
        let next_due = if fed < warmup {
            warmup
        } else {
            sampler.next_due(fed)
        };
        let until = total.min(next_check).min(next_progress).min(next_due);
        let chunk = run.feed(until - fed, || source.next());
        if chunk.candles == 0 {
            break;
        }
        fed += chunk.candles;
        cleanups.freed += chunk.freed_bytes;
        cleanups.max_freed = cleanups.max_freed.max(chunk.max_freed_bytes);
        if let Some(cleanup) = chunk.last_cleanup {
            log_cleanup(run.heap().live_bytes, fed, &cleanup);
        }
        if fed == warmup {
            warm_allocations = run.heap().allocations;
            start_sites(&mut sites, &run);
        }
        if sampler.is_due(fed) {
            run.observe();
            sampler.sample(fed, &run);
        }
        if fed % check_every == 0 {
            if let Err(violation) = run.check(true) {
                violations.record(violation, fed);
            }
        }
        if fed % progress_every == 0 {
            run.observe();
            progress(&snapshot(&run, fed));
            if stop.is_some_and(|stop| stop.load(Ordering::Relaxed)) {
                partial = true;
                break;
            }
        }
    }
    if !partial && fed % progress_every != 0 {
        // The last checkpoint is always the end of the run.
        run.observe();
        progress(&snapshot(&run, fed));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let top_sites = sites
        .map(|(tracing, before)| tracing.snapshot().growth_since(&before, options.top_sites))
        .unwrap_or_default();
    if let Err(violation) = run.check(fed > 0) {
        violations.record(violation, fed);
    }
    let leak = sampler.verdict(options.horizon_candles, options.leak_budget_bytes);
    if let Some(violation) = leak.violation.clone() {
        violations.record(violation, fed);
    }

    let activity = run.bot().activity();
    let equity = activity.equity.unwrap_or(0);
    let report = SimReport {
        partial,
        seed: options.seed,
        input: None,
        candles: fed,
        bot: B::NAME.to_string(),
        trades: activity.trades,
        equity,
        equity_quote: equity as f64 / activity.cash_units_per_quote.max(1) as f64,
        strategy: run.bot().describe().to_string(),
        rejected_orders: activity.rejected_orders,
        cleanups: activity.cleanups,
        cleanup_freed_bytes: cleanups.freed,
        cleanup_max_freed_bytes: cleanups.max_freed,
        heap: heap_report(&run, initial, warm_allocations, fed, warmup),
        components: component_reports(&run, &sampler),
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
        broken: violations.0.into_values().collect(),
    };
    // Teardown is checked too; a bot that leaks past its own drop fails.
    let mut report = report;
    if let Err(violation) = run.finish() {
        report
            .broken
            .push(violation.at_step(fed, Some("drop(bot)".to_string())));
    }
    report.violations = report.broken.iter().map(Violation::summary).collect();
    if !report.violations.is_empty() {
        report.verdict = "fail";
    }
    Ok(report)
}
