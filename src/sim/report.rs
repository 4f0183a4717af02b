//! The report of a simulation, as text for people and JSON for tools.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::heap::SiteGrowth;
use crate::process::ProcessStats;

/// Heap figures of the bot's allocation group.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct HeapReport {
    /// Who measured: `"allocator"` (heapbound's, in this process) or
    /// `"bot"` (the bot's own measure, e.g. Python's tracemalloc).
    pub source: &'static str,
    /// Bytes right after the bot was built.
    pub initial_bytes: u64,
    /// Bytes after the last candle.
    pub final_bytes: u64,
    /// `final_bytes - initial_bytes`.
    pub growth_bytes: i64,
    /// Highest live bytes over the run.
    pub peak_bytes: u64,
    /// Allocations over the run, construction included.
    pub allocations: u64,
    /// Frees over the run.
    pub deallocations: u64,
    /// Allocations per candle after warm-up.
    pub steady_allocations_per_candle: f64,
    /// Candles counted as warm-up.
    pub warmup_candles: u64,
    /// The ceiling checked against.
    pub ceiling_bytes: u64,
}

/// One component's figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ComponentReport {
    /// Heap bytes its group holds at the end (0 when unknown).
    pub bytes: u64,
    /// Whether `bytes` were measured or reported (a bot process may report
    /// lengths only).
    pub bytes_known: bool,
    /// Entries at the end.
    pub len: usize,
    /// Its bound.
    pub bound: usize,
    /// Its byte budget.
    pub budget: u64,
    /// Fitted growth after warm-up.
    pub slope_bytes_per_candle: f64,
    /// The most entries it held at any check.
    pub max_len: usize,
}

/// The leak-slope verdict of the whole bot.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LeakReport {
    /// Fitted growth of the settled floor of the bot's unheld bytes after
    /// warm-up (see `leak::GrowthModel`).
    pub slope_bytes_per_candle: f64,
    /// 95% confidence half-width of the slope.
    pub confidence_95: f64,
    /// Growth projected over the horizon.
    pub projected_bytes: f64,
    /// The horizon in candles.
    pub horizon_candles: u64,
    /// Growth allowed over the horizon.
    pub budget_bytes: u64,
    /// Samples fitted.
    pub samples: u64,
    /// Times the floor of an eighth of the run rose (a leak needs three, and floors that never fall).
    pub floor_rises: u32,
    /// `"flat"` (no growth kept), `"growing"` (kept, real growth whose
    /// projection stays within the budget) or `"leak"` (it passes it).
    pub verdict: &'static str,
    /// Fitted growth of the bot process's RSS, for a bot in another process:
    /// shown, never a verdict (allocators keep freed arenas).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rss_slope_bytes_per_candle: Option<f64>,
}

/// The candle file a run read, if it did not use the generator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InputFile {
    /// The path given.
    pub path: String,
    /// Valid rows fed.
    pub rows: u64,
    /// Invalid rows skipped (`--skip-invalid`).
    pub skipped_rows: u64,
    /// Price tick in force.
    pub tick: String,
    /// Volume lot in force.
    pub lot: String,
}

/// Everything `heapbound simulate` reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SimReport {
    /// Whether the run was stopped early (Ctrl-C) and covers fewer candles.
    pub partial: bool,
    /// Generator seed (absent for a candle file).
    pub seed: Option<u64>,
    /// The candle file, when one was fed instead of the generator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<InputFile>,
    /// Candles fed.
    pub candles: u64,
    /// Filled orders (each buy and each sell counts one).
    pub trades: u64,
    /// Final equity in cash units.
    pub equity: i64,
    /// Final equity in quote units (cash units / 10^6).
    pub equity_quote: f64,
    /// The bot's name.
    pub bot: String,
    /// The bot's own description (the paper bot: its strategy).
    pub strategy: String,
    /// Orders the executor refused.
    pub rejected_orders: u64,
    /// Cleanups run.
    pub cleanups: u64,
    /// Bytes all cleanups freed.
    pub cleanup_freed_bytes: u64,
    /// The most bytes one cleanup freed.
    pub cleanup_max_freed_bytes: u64,
    /// Heap figures.
    pub heap: HeapReport,
    /// Per component, by name.
    pub components: BTreeMap<String, ComponentReport>,
    /// Actions the run applied (a seeded mix of the bot's own).
    pub actions: u64,
    /// Components whose bound the run never reached: a PASS says nothing
    /// about them at their bound.
    pub not_exercised: Vec<String>,
    /// Leak-slope analysis.
    pub leak: LeakReport,
    /// Allocation sites that grew most after warm-up (with `--top`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub top_sites: Vec<SiteGrowth>,
    /// The operating system's view at the end of the run.
    pub process: Option<ProcessStats>,
    /// Candles per second, generation included (wall clock: not reproducible).
    pub candles_per_second: f64,
    /// Seconds the run took (wall clock).
    pub elapsed_seconds: f64,
    /// `"pass"` or `"fail"`.
    pub verdict: &'static str,
    /// Broken invariants, one line each.
    pub violations: Vec<String>,
    /// The same violations, structured, for callers in Rust.
    #[serde(skip)]
    pub broken: Vec<crate::harness::Violation>,
}

impl SimReport {
    /// Whether every check held.
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }

    /// A human-readable report.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_run(&mut out);
        self.write_heap(&mut out);
        self.write_components(&mut out);
        self.write_leak(&mut out);
        self.write_process_and_verdict(&mut out);
        out
    }

    fn write_run(&self, out: &mut String) {
        let _ = writeln!(out, "heapbound simulate");
        if let Some(seed) = self.seed {
            let _ = writeln!(out, "  seed              {seed}");
        }
        if let Some(input) = &self.input {
            let _ = writeln!(
                out,
                "  candle file       {} ({} rows, {} skipped, tick {}, lot {})",
                input.path, input.rows, input.skipped_rows, input.tick, input.lot
            );
        }
        let _ = writeln!(out, "  strategy          {}", self.strategy);
        let _ = writeln!(out, "  candles           {}", self.candles);
        let _ = writeln!(
            out,
            "  trades            {} ({} rejected)",
            self.trades, self.rejected_orders
        );
        let _ = writeln!(out, "  equity            {:.2}", self.equity_quote);
        let _ = writeln!(
            out,
            "  cleanups          {} (freed {} B, at most {} B in one)",
            self.cleanups, self.cleanup_freed_bytes, self.cleanup_max_freed_bytes
        );
    }

    fn write_heap(&self, out: &mut String) {
        let h = &self.heap;
        let _ = if h.source == "bot" {
            writeln!(out, "heap (as the bot measures it, e.g. tracemalloc)")
        } else {
            writeln!(out, "heap (the bot's allocation group)")
        };
        let _ = writeln!(out, "  initial           {} B", h.initial_bytes);
        let _ = writeln!(out, "  final             {} B", h.final_bytes);
        let _ = writeln!(out, "  growth            {} B", h.growth_bytes);
        let _ = if h.ceiling_bytes == u64::MAX {
            writeln!(
                out,
                "  peak              {} B (no ceiling: a component states no budget; --heap-ceiling sets one)",
                h.peak_bytes
            )
        } else {
            writeln!(
                out,
                "  peak              {} B (ceiling {} B)",
                h.peak_bytes, h.ceiling_bytes
            )
        };
        let _ = writeln!(
            out,
            "  allocations       {} / frees {}",
            h.allocations, h.deallocations
        );
        let _ = writeln!(
            out,
            "  steady allocs     {:.3} per candle after {} warm-up candles",
            h.steady_allocations_per_candle, h.warmup_candles
        );
    }

    fn write_components(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "components          bytes     budget      len  max len    bound   slope B/candle"
        );
        for (name, c) in &self.components {
            let bytes = if c.bytes_known {
                c.bytes.to_string()
            } else {
                "unknown".to_string()
            };
            let _ = writeln!(
                out,
                "  {name:<14} {bytes:>9} {:>10} {:>8} {:>8} {:>8}   {:.4}",
                limit(c.budget),
                c.len,
                c.max_len,
                limit(c.bound as u64),
                c.slope_bytes_per_candle
            );
        }
        let _ = writeln!(out, "  actions         {}", self.actions);
        if !self.not_exercised.is_empty() {
            let _ = writeln!(
                out,
                "  not exercised   {} (never reached its bound: this run proves nothing about it full)",
                self.not_exercised.join(", ")
            );
        }
    }

    fn write_leak(&self, out: &mut String) {
        let l = &self.leak;
        let _ = writeln!(out, "leak slope");
        let _ = writeln!(
            out,
            "  slope             {:.4} ± {:.4} B/candle ({} samples)",
            l.slope_bytes_per_candle, l.confidence_95, l.samples
        );
        let _ = writeln!(
            out,
            "  projection        {:+.0} B over {} candles ({}) against {} B",
            l.projected_bytes,
            l.horizon_candles,
            describe_horizon(l.horizon_candles),
            l.budget_bytes
        );
        let _ = writeln!(
            out,
            "  per week          {:+.1} KiB per week of 1-minute candles",
            l.slope_bytes_per_candle * WEEK_OF_MINUTES as f64 / 1024.0
        );
        let verdict = match l.verdict {
            "growing" => "growing, within the budget (not a leak by it: see --leak-budget)",
            other => other,
        };
        let _ = writeln!(
            out,
            "  verdict           {verdict} (the floors of its eighths rose {} times)",
            l.floor_rises
        );
        if let Some(rss) = l.rss_slope_bytes_per_candle {
            let _ = writeln!(
                out,
                "  rss slope         {rss:.4} B/candle (the OS's view; advisory)"
            );
        }
    }

    fn write_process_and_verdict(&self, out: &mut String) {
        let h = &self.heap;
        if !self.top_sites.is_empty() {
            let _ = writeln!(
                out,
                "top allocation sites after warm-up (growth, allocations, where)"
            );
            for site in &self.top_sites {
                let _ = writeln!(
                    out,
                    "  {:>+10} B {:>8}  {}",
                    site.growth_bytes, site.allocations, site.location
                );
            }
        }
        if let Some(process) = &self.process {
            let _ =
                writeln!(
                out,
                "process             rss {} B, vms {} B, {} threads, {} open fds (/proc of the {})",
                process.rss_bytes,
                process.vms_bytes,
                process.threads,
                process.open_fds,
                if h.source == "bot" { "bot's process" } else { "heapbound process" }
            );
        }
        let _ = writeln!(
            out,
            "speed               {:.0} candles/s ({:.2} s)",
            self.candles_per_second, self.elapsed_seconds
        );
        let _ = writeln!(out, "verdict             {}", self.verdict.to_uppercase());
        for violation in &self.violations {
            let _ = writeln!(out, "  - {violation}");
        }
    }
}

/// A limit for the table: `-` when there is none.
fn limit(value: u64) -> String {
    if value == u64::MAX {
        "-".to_string()
    } else {
        value.to_string()
    }
}

/// "N weeks of 1-minute candles" style description of a candle count.
pub fn describe_horizon(candles: u64) -> String {
    format!(
        "{:.1} weeks of 1-minute candles",
        candles as f64 / WEEK_OF_MINUTES as f64
    )
}

/// One week of 1-minute candles.
pub const WEEK_OF_MINUTES: u64 = 7 * 24 * 60;
