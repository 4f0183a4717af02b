//! A simulation: candles through the bot, checks at intervals, a report.
//!
//! ```
//! use heapbound::sim::{simulate, SimOptions};
//! use heapbound::market::CandleGenerator;
//! let options = SimOptions { candles: 20_000, ..SimOptions::default() };
//! let report = simulate(&options, CandleGenerator::new(42), &mut |_| {}).unwrap();
//! assert_eq!(report.candles, 20_000);
//! ```

mod report;

pub use report::{describe_horizon, ComponentReport, HeapReport, InputFile, LeakReport, SimReport};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::bot::{BotConfig, ConfigError, Defect, TradingBot, COMPONENT_NAMES};
use crate::harness::{checks, Invariant, Limits, Violation};
use crate::heap::{SiteSnapshot, SiteTracing};
use crate::leak::{SlopeFit, DEFAULT_HORIZON_CANDLES, DEFAULT_LEAK_BUDGET_BYTES};
use crate::market::Candle;
use crate::process::ProcessStats;

/// How a simulation runs.
#[derive(Clone, Debug)]
pub struct SimOptions {
    /// Generator seed, recorded in the report.
    pub seed: Option<u64>,
    /// Candles to feed (fewer if the source ends first).
    pub candles: u64,
    /// The bot's configuration.
    pub bot: BotConfig,
    /// Heap ceiling in bytes; `None` uses the budget computed from the config.
    pub heap_ceiling: Option<u64>,
    /// Leak projection horizon in candles.
    pub horizon_candles: u64,
    /// Growth allowed over the horizon.
    pub leak_budget_bytes: u64,
    /// Check bounds, budgets and books every this many candles (the peak
    /// check sees between-check spikes anyway).
    pub check_every: u64,
    /// Call `progress` every this many candles.
    pub progress_every: u64,
    /// Set to stop early (Ctrl-C): the report is then marked partial.
    pub stop: Option<Arc<AtomicBool>>,
    /// A deliberately broken bot (`--inject`).
    pub defect: Option<Defect>,
    /// Report this many allocation sites that grew most after warm-up
    /// (captures call stacks: slow, off at 0).
    pub top_sites: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: Some(42),
            candles: 1_000_000,
            bot: BotConfig::default(),
            heap_ceiling: None,
            horizon_candles: DEFAULT_HORIZON_CANDLES,
            leak_budget_bytes: DEFAULT_LEAK_BUDGET_BYTES,
            check_every: 1_000,
            progress_every: PROGRESS_EVERY,
            stop: None,
            defect: None,
            top_sites: 0,
        }
    }
}

/// Progress, reported every `progress_every` candles: also a soak checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Progress {
    /// Candles done.
    pub candles: u64,
    /// The bot's live heap bytes.
    pub live_bytes: u64,
    /// Live bytes per component, in [`COMPONENT_NAMES`] order.
    pub component_bytes: [u64; 6],
    /// Orders filled so far.
    pub trades: u64,
    /// Equity at the last close, cash units.
    pub equity: i64,
}

/// Candles between progress callbacks.
pub const PROGRESS_EVERY: u64 = 1 << 16;
/// Slope samples aimed for over a run.
const TARGET_SAMPLES: u64 = 1_024;

/// Warm-up: enough candles for every rolling container to have filled once,
/// capped at a tenth of the run.
pub fn warmup_candles(config: &BotConfig, candles: u64) -> u64 {
    let longest = config
        .window
        .max(config.metrics_capacity)
        .max(config.price_cache_capacity) as u64;
    longest.min(candles / 10)
}

struct Sampler {
    every: u64,
    total: SlopeFit,
    components: [SlopeFit; 6],
}

impl Sampler {
    fn sample(&mut self, candle: u64, bot: &TradingBot) {
        self.total.add(candle, bot.heap().live_bytes);
        for (fit, component) in self.components.iter_mut().zip(bot.components()) {
            fit.add(candle, component.bytes);
        }
    }
}

/// The production checklist's periodic memory line, at debug level
/// (`--log debug`): what a cleanup freed, live heap and RSS.
#[cold]
fn log_cleanup(bot: &TradingBot, candle: u64, cleanup: &crate::bot::CleanupReport) {
    if tracing::enabled!(tracing::Level::DEBUG) {
        let rss = ProcessStats::read().map_or(0, |process| process.rss_bytes);
        tracing::debug!(
            candle,
            live_bytes = bot.heap().live_bytes,
            rss_bytes = rss,
            trades_dropped = cleanup.trades_dropped,
            sessions_dropped = cleanup.sessions_dropped,
            freed_bytes = cleanup.bytes_freed,
            "cleanup"
        );
    }
}

/// The state checks plus the equity sample the last candle wrote.
fn check_after_candle(bot: &TradingBot, limits: &Limits) -> Result<(), Violation> {
    checks::check_bot(bot, limits)?;
    checks::check_equity_sample(bot)
}

fn snapshot(bot: &TradingBot) -> Progress {
    Progress {
        candles: bot.candles(),
        live_bytes: bot.heap().live_bytes,
        component_bytes: bot.components().map(|component| component.bytes),
        trades: bot.books().fills,
        equity: bot.equity(),
    }
}

/// Feeds `candles` to a bot built from `options.bot`, checking as it goes.
pub fn simulate(
    options: &SimOptions,
    candles: impl IntoIterator<Item = Candle>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SimReport, ConfigError> {
    let mut bot = TradingBot::with_defect(options.bot.clone(), options.defect)?;
    let limits = Limits::for_bot(&bot);
    let limits = limits.with_ceiling(options.heap_ceiling.unwrap_or(limits.heap_ceiling));
    let initial = bot.heap();
    let warmup = warmup_candles(&options.bot, options.candles);
    let mut sampler = Sampler {
        every: ((options.candles - warmup) / TARGET_SAMPLES).max(1),
        total: SlopeFit::default(),
        components: Default::default(),
    };
    let check_every = options.check_every.max(1);
    let progress_every = options.progress_every.max(1);
    let stop = options.stop.as_deref();
    let mut partial = false;
    let mut violations: BTreeMap<(Invariant, Option<String>), Violation> = BTreeMap::new();
    let mut record = |violation: Violation, step: u64| {
        let key = (violation.invariant, violation.component.clone());
        violations
            .entry(key)
            .or_insert_with(|| violation.at_step(step, None));
    };
    let mut warm_allocations = initial.allocations;
    let mut sites: Option<(SiteTracing, SiteSnapshot)> = None;
    let start_sites = |sites: &mut Option<(SiteTracing, SiteSnapshot)>, bot: &TradingBot| {
        if options.top_sites > 0 {
            let tracing = SiteTracing::start_within(bot.heap_group());
            let snapshot = tracing.snapshot();
            *sites = Some((tracing, snapshot));
        }
    };
    if warmup == 0 {
        start_sites(&mut sites, &bot);
    }
    let mut cleanup_freed = 0;
    let mut cleanup_max_freed = 0;
    if let Err(violation) = checks::check_bot(&bot, &limits) {
        record(violation, 0);
    }
    let started = Instant::now();
    let mut fed = 0u64;
    for candle in candles.into_iter().take(options.candles as usize) {
        let outcome = bot.step(&candle);
        fed += 1;
        if let Some(cleanup) = outcome.cleanup {
            cleanup_freed += cleanup.bytes_freed;
            cleanup_max_freed = cleanup_max_freed.max(cleanup.bytes_freed);
            log_cleanup(&bot, fed, &cleanup);
        }
        if fed == warmup {
            warm_allocations = bot.heap().allocations;
            start_sites(&mut sites, &bot);
        }
        if fed > warmup && (fed - warmup) % sampler.every == 0 {
            sampler.sample(fed, &bot);
        }
        if fed % check_every == 0 {
            if let Err(violation) = check_after_candle(&bot, &limits) {
                record(violation, fed);
            }
        }
        if fed % progress_every == 0 {
            progress(&snapshot(&bot));
            if stop.is_some_and(|stop| stop.load(Ordering::Relaxed)) {
                partial = true;
                break;
            }
        }
    }
    if !partial && fed % progress_every != 0 {
        // The last checkpoint is always the end of the run.
        progress(&snapshot(&bot));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let top_sites = sites
        .map(|(tracing, before)| tracing.snapshot().growth_since(&before, options.top_sites))
        .unwrap_or_default();
    if let Err(violation) = check_after_candle(&bot, &limits) {
        record(violation, fed);
    }

    let slope = sampler.total.slope();
    let leak = slope.is_leak(options.horizon_candles, options.leak_budget_bytes);
    if leak {
        let component = COMPONENT_NAMES
            .iter()
            .zip(&sampler.components)
            .map(|(name, fit)| (*name, fit.slope().bytes_per_candle))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or("bot", |(name, _)| name);
        let projected = slope.projected_bytes(options.horizon_candles);
        record(
            Violation::new(
                Invariant::LeakSlope,
                projected as i64,
                options.leak_budget_bytes as i64,
                "bytes over the horizon",
            )
            .in_component(component),
            fed,
        );
    }

    let heap = bot.heap();
    let steady_candles = fed.saturating_sub(warmup);
    let budgets = limits.budgets;
    let components = bot
        .components()
        .iter()
        .zip(budgets)
        .zip(&sampler.components)
        .map(|((c, budget), fit)| {
            (
                c.name,
                ComponentReport {
                    bytes: c.bytes,
                    len: c.len,
                    bound: c.bound,
                    budget,
                    slope_bytes_per_candle: fit.slope().bytes_per_candle,
                },
            )
        })
        .collect();
    let broken: Vec<Violation> = violations.into_values().collect();
    let violations: Vec<String> = broken.iter().map(Violation::summary).collect();
    let equity = bot.equity();
    Ok(SimReport {
        partial,
        seed: options.seed,
        input: None,
        candles: fed,
        trades: bot.books().fills,
        equity,
        equity_quote: equity as f64 / crate::bot::CASH_UNITS_PER_QUOTE as f64,
        strategy: bot.strategy_name(),
        rejected_orders: bot.rejected_orders(),
        cleanups: bot.cleanups(),
        cleanup_freed_bytes: cleanup_freed,
        cleanup_max_freed_bytes: cleanup_max_freed,
        heap: HeapReport {
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
            ceiling_bytes: limits.heap_ceiling,
        },
        components,
        leak: LeakReport {
            slope_bytes_per_candle: slope.bytes_per_candle,
            confidence_95: slope.confidence_95,
            projected_bytes: slope.projected_bytes(options.horizon_candles),
            horizon_candles: options.horizon_candles,
            budget_bytes: options.leak_budget_bytes,
            samples: slope.samples,
            verdict: if leak { "leak" } else { "flat" },
        },
        top_sites,
        process: ProcessStats::read(),
        candles_per_second: if elapsed > 0.0 {
            fed as f64 / elapsed
        } else {
            0.0
        },
        elapsed_seconds: elapsed,
        verdict: if violations.is_empty() {
            "pass"
        } else {
            "fail"
        },
        violations,
        broken,
    })
}
