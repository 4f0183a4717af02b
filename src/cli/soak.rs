//! `heapbound soak`: many seeds, many candles, checkpoints, a plot, alerts.

use std::io::Write;
use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::bot::Bot;
use crate::market::CandleGenerator;
use crate::process::ProcessStats;
use crate::sim::{self, Progress, SimOptions, SimReport};

use super::bot_args::{dispatch, BotArgs, BotJob, ConfigFlags};
use super::files::{read_file, write_atomically};
use super::plot::{self, Series};
use super::simulate::{Format, LeakArgs};
use super::source::{simulate_file, CandleFileArgs, CandleSource};
use super::units::{byte_size, positive};
use super::{Outcome, UsageError};

/// `heapbound soak`.
#[derive(Args, Clone, Debug)]
pub struct SoakArgs<F: Args> {
    /// Seeds: `7`, `1..64` (64 excluded), `1..=64`.
    #[arg(long, default_value = "1..3", value_parser = seed_range)]
    pub seeds: Range<u64>,
    /// Candles per seed.
    #[arg(long, allow_hyphen_values = true, value_parser = positive, default_value_t = 10_000_000)]
    pub candles: u64,
    /// Write checkpoints as JSON Lines here.
    #[arg(long)]
    pub checkpoints: Option<PathBuf>,
    /// Candles between checkpoints (default: a thousandth of the run; a
    /// 64th with --exec, where each checkpoint asks the bot for a sample
    /// and the bot walks its containers to answer).
    #[arg(long, allow_hyphen_values = true, value_parser = positive)]
    pub checkpoint_every: Option<u64>,
    /// Draw heap and RSS over candles as SVG here.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Warn when the process RSS passes this (e.g. 1GiB).
    #[arg(long, allow_hyphen_values = true, value_parser = byte_size)]
    pub alert_rss: Option<u64>,
    /// Warn when a bot's live heap passes this (e.g. 64MiB).
    #[arg(long, allow_hyphen_values = true, value_parser = byte_size)]
    pub alert_heap: Option<u64>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Only redraw `--plot` from a checkpoints file (of a run that may have
    /// been killed); runs nothing.
    #[arg(long, value_name = "CHECKPOINTS", requires = "plot")]
    pub plot_from: Option<PathBuf>,
    #[command(flatten)]
    pub file: CandleFileArgs,
    #[command(flatten)]
    pub bot: BotArgs<F>,
    #[command(flatten)]
    pub leak: LeakArgs,
}

/// Parses `7`, `1..64` or `1..=64`.
fn seed_range(text: &str) -> Result<Range<u64>, String> {
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("{s:?} is not a seed"))
    };
    let range = if let Some((a, b)) = text.split_once("..=") {
        number(a)?..number(b)?.checked_add(1).ok_or("seed too large")?
    } else if let Some((a, b)) = text.split_once("..") {
        number(a)?..number(b)?
    } else {
        let seed = number(text)?;
        seed..seed.checked_add(1).ok_or("seed too large")?
    };
    if range.is_empty() {
        return Err(format!("{text:?} holds no seed (use a..b with a < b)"));
    }
    if range.end - range.start > 100_000 {
        return Err("at most 100,000 seeds".to_string());
    }
    Ok(range)
}

/// One checkpoint line of the JSON Lines file.
#[derive(Serialize, Deserialize)]
struct CheckpointLine {
    seed: u64,
    candle: u64,
    live_bytes: u64,
    components: std::collections::BTreeMap<String, u64>,
    rss_bytes: u64,
    trades: u64,
    equity: i64,
}

/// Appends each checkpoint line to the file the moment it is taken, whole
/// (one `write` under one lock), so a soak killed by the OOM killer or
/// SIGKILL keeps every line written before it died.
struct CheckpointFile {
    path: String,
    file: Mutex<std::fs::File>,
    failed: AtomicBool,
}

impl CheckpointFile {
    fn create(path: &Path) -> Result<CheckpointFile, UsageError> {
        let name = path.display().to_string();
        let file =
            std::fs::File::create(path).map_err(|e| UsageError::flag(&name, &e.to_string()))?;
        Ok(CheckpointFile {
            path: name,
            file: Mutex::new(file),
            failed: AtomicBool::new(false),
        })
    }

    fn append(&self, line: &CheckpointLine) {
        let mut text = serde_json::to_string(line).unwrap_or_default();
        text.push('\n');
        let written = match self.file.lock() {
            Ok(mut file) => file.write_all(text.as_bytes()),
            Err(_) => Ok(()),
        };
        if let Err(error) = written {
            if !self.failed.swap(true, Ordering::Relaxed) {
                tracing::error!("cannot write {}: {error}", self.path);
            }
        }
    }
}

/// A seed's outcome: its report, or the panic that ended it.
#[derive(Serialize)]
#[serde(untagged)]
enum SeedOutcome {
    Report(Box<SimReport>),
    Crashed {
        seed: u64,
        verdict: &'static str,
        crash: String,
    },
}

#[derive(Serialize, Default)]
struct Summary {
    seeds: u64,
    passed: u64,
    failed: u64,
    crashed: u64,
    candles: u64,
    candles_per_second: f64,
    worst_peak_bytes: u64,
    worst_peak_seed: Option<u64>,
    worst_slope_bytes_per_candle: f64,
    worst_slope_seed: Option<u64>,
    cleanups: u64,
    cleanup_freed_bytes: u64,
    cleanup_max_freed_bytes: u64,
}

#[derive(Serialize)]
struct SoakReport {
    partial: bool,
    seeds: Vec<SeedOutcome>,
    summary: Summary,
}

struct Alerts {
    rss: Option<u64>,
    heap: Option<u64>,
    rss_fired: AtomicBool,
    heap_fired: AtomicBool,
}

impl Alerts {
    fn check(&self, seed: u64, progress: &Progress, rss: u64) {
        if let Some(limit) = self.rss {
            if rss > limit && !self.rss_fired.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    seed,
                    candle = progress.candles,
                    rss_bytes = rss,
                    limit,
                    "RSS passed --alert-rss"
                );
            }
        }
        if let Some(limit) = self.heap {
            if progress.live_bytes > limit && !self.heap_fired.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    seed,
                    candle = progress.candles,
                    live_bytes = progress.live_bytes,
                    limit,
                    "bot heap passed --alert-heap"
                );
            }
        }
    }
}

/// Runs `soak`.
pub fn run<B: Bot, F: ConfigFlags<B::Config>>(args: &SoakArgs<F>) -> Result<Outcome, UsageError> {
    if let (Some(from), Some(plot)) = (&args.plot_from, &args.plot) {
        return plot_from(from, plot);
    }
    dispatch::<B, F>(&args.bot, &Job(args))
}

struct Job<'a, F: Args + Sync>(&'a SoakArgs<F>);

impl<F: Args + Sync> BotJob for Job<'_, F> {
    fn run<B: Bot>(&self, config: &B::Config) -> Result<Outcome, UsageError> {
        soak::<B, F>(self.0, config)
    }
}

/// Redraws the plot from a checkpoints file alone.
fn plot_from(from: &Path, plot: &Path) -> Result<Outcome, UsageError> {
    let name = from.display().to_string();
    let text = String::from_utf8(read_file(from)?)
        .map_err(|_| UsageError::flag(&name, "is not UTF-8 text"))?;
    let mut lines = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line: CheckpointLine = serde_json::from_str(line).map_err(|error| {
            UsageError::flag(&format!("{name}:{}", number + 1), &error.to_string())
        })?;
        lines.push(line);
    }
    let mut seeds: Vec<u64> = lines.iter().map(|line| line.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    write_plot(plot, &seeds, &lines)?;
    eprintln!(
        "plotted {} checkpoints of {} seeds to {}",
        lines.len(),
        seeds.len(),
        plot.display()
    );
    Ok(Outcome::Pass)
}

fn write_plot(path: &Path, seeds: &[u64], lines: &[CheckpointLine]) -> Result<(), UsageError> {
    let series: Vec<Series> = seeds
        .iter()
        .map(|&seed| Series {
            seed,
            points: lines
                .iter()
                .filter(|line| line.seed == seed)
                .map(|line| (line.candle, line.live_bytes, line.rss_bytes))
                .collect(),
        })
        .collect();
    let svg = plot::render(&series)
        .map_err(|error| UsageError::flag(&path.display().to_string(), &error.to_string()))?;
    write_atomically(path, svg.as_bytes())
}

/// Ctrl-C stops every seed at its next checkpoint; the report is partial.
fn stop_on_ctrl_c() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // A second handler cannot be set (tests call `run` in one process);
    // then Ctrl-C simply ends the process as usual.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    stop
}

fn soak_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {human_pos}/{human_len} candles {per_sec} eta {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// What every seed of one soak shares.
struct Soak<'a, B: Bot, F: clap::Args> {
    args: &'a SoakArgs<F>,
    config: &'a B::Config,
    /// A candle file is one market for every seed: it runs once.
    source: Mutex<Option<CandleSource>>,
    from_file: bool,
    candles: u64,
    every: u64,
    checkpoints: Option<CheckpointFile>,
    bar: ProgressBar,
    alerts: Alerts,
    lines: Mutex<Vec<CheckpointLine>>,
    stop: Arc<AtomicBool>,
}

impl<B: Bot, F: clap::Args + Sync> Soak<'_, B, F> {
    fn options(&self, seed: u64) -> SimOptions {
        let args = self.args;
        SimOptions {
            seed: (!self.from_file).then_some(seed),
            candles: self.candles,
            heap_ceiling: args.bot.heap_ceiling,
            horizon_candles: args.leak.horizon,
            leak_budget_bytes: args.leak.leak_budget,
            action_every: Some(args.leak.action_every),
            progress_every: self.every,
            stop: Some(Arc::clone(&self.stop)),
            ..SimOptions::default()
        }
    }

    /// One checkpoint: alerts, the progress bar, the checkpoints file.
    fn checkpoint(&self, seed: u64, progress: &Progress, last: &mut u64) -> CheckpointLine {
        let rss = ProcessStats::read().map_or(0, |p| p.rss_bytes);
        self.alerts.check(seed, progress, rss);
        self.bar.inc(progress.candles - *last);
        *last = progress.candles;
        self.bar.set_message(format!(
            "heap {} B rss {} MiB",
            progress.live_bytes,
            rss >> 20
        ));
        let line = CheckpointLine {
            seed,
            candle: progress.candles,
            live_bytes: progress.live_bytes,
            components: progress
                .components
                .iter()
                .map(|(name, bytes)| (name.to_string(), *bytes))
                .collect(),
            rss_bytes: rss,
            trades: progress.trades,
            equity: progress.equity,
        };
        if let Some(file) = &self.checkpoints {
            file.append(&line);
        }
        line
    }

    /// Simulates one seed; a crash of heapbound itself (a bot's panic is a
    /// violation in its report) is that seed's outcome, not the soak's end.
    fn run_seed(&self, seed: u64) -> SeedOutcome {
        let options = self.options(seed);
        let mut last = 0;
        let mut seed_lines = Vec::new();
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut on_progress = |progress: &Progress| {
                seed_lines.push(self.checkpoint(seed, progress, &mut last));
            };
            let taken = self.source.lock().ok().and_then(|mut source| source.take());
            match taken {
                Some(CandleSource::File { mut reader, input }) => {
                    simulate_file::<B>(&options, self.config, &mut reader, input, &mut on_progress)
                        .map_err(|error| error.message().to_string())
                }
                _ => sim::simulate::<B>(
                    &options,
                    self.config,
                    CandleGenerator::new(seed),
                    &mut on_progress,
                )
                .map_err(|error| error.to_string()),
            }
        }));
        if let Ok(mut all) = self.lines.lock() {
            all.append(&mut seed_lines);
        }
        let crash = match result {
            Ok(Ok(report)) => return SeedOutcome::Report(Box::new(report)),
            Ok(Err(error)) => error,
            Err(panic) => panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".to_string()),
        };
        SeedOutcome::Crashed {
            seed,
            verdict: "fail",
            crash,
        }
    }
}

/// A thousandth of the run; a 64th for a bot process, whose checkpoints
/// after warm-up then fall on its samples (every 128th of the run), which
/// they share.
fn default_checkpoint_every(candles: u64, process: bool) -> u64 {
    let parts = if process { 64 } else { 1_000 };
    (candles / parts).max(1)
}

fn soak<B: Bot, F: clap::Args + Sync>(
    args: &SoakArgs<F>,
    config: &B::Config,
) -> Result<Outcome, UsageError> {
    let source = CandleSource::open(&args.file)?;
    let file_rows = match &source {
        CandleSource::File { input, .. } => Some(input.rows),
        CandleSource::Generator => None,
    };
    let seeds: Vec<u64> = match file_rows {
        Some(_) => vec![args.seeds.start],
        None => args.seeds.clone().collect(),
    };
    let candles = file_rows.map_or(args.candles, |rows| rows.min(args.candles));
    let soak = Soak::<B, F> {
        args,
        config,
        source: Mutex::new(Some(source)),
        from_file: file_rows.is_some(),
        candles,
        every: args
            .checkpoint_every
            .unwrap_or_else(|| default_checkpoint_every(candles, args.bot.exec.exec.is_some())),
        checkpoints: args
            .checkpoints
            .as_deref()
            .map(CheckpointFile::create)
            .transpose()?,
        bar: soak_bar(candles * seeds.len() as u64),
        alerts: Alerts {
            rss: args.alert_rss,
            heap: args.alert_heap,
            rss_fired: AtomicBool::new(false),
            heap_fired: AtomicBool::new(false),
        },
        lines: Mutex::new(Vec::new()),
        stop: stop_on_ctrl_c(),
    };
    let started = Instant::now();
    let outcomes: Vec<SeedOutcome> = seeds.par_iter().map(|&seed| soak.run_seed(seed)).collect();
    soak.bar.finish_and_clear();
    let partial = soak.stop.load(Ordering::Relaxed);
    if partial {
        tracing::warn!("interrupted: writing a partial report");
    }
    let mut lines = soak.lines.into_inner().unwrap_or_default();
    lines.sort_by_key(|line| (line.seed, line.candle));
    if let Some(path) = &args.plot {
        write_plot(path, &seeds, &lines)?;
    }
    print_soak(
        args.format,
        partial,
        outcomes,
        started.elapsed().as_secs_f64(),
    )
}

/// Prints the soak report; the outcome is a failure when a seed failed.
fn print_soak(
    format: Format,
    partial: bool,
    outcomes: Vec<SeedOutcome>,
    elapsed: f64,
) -> Result<Outcome, UsageError> {
    let summary = summarize(&outcomes, elapsed);
    let failed = summary.failed + summary.crashed > 0;
    let report = SoakReport {
        partial,
        seeds: outcomes,
        summary,
    };
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        Format::Text => to_text(&report),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(if failed { Outcome::Fail } else { Outcome::Pass })
}

fn summarize(outcomes: &[SeedOutcome], elapsed: f64) -> Summary {
    let mut summary = Summary {
        seeds: outcomes.len() as u64,
        ..Summary::default()
    };
    for outcome in outcomes {
        match outcome {
            SeedOutcome::Report(report) => {
                if report.passed() {
                    summary.passed += 1;
                } else {
                    summary.failed += 1;
                }
                summary.candles += report.candles;
                summary.cleanups += report.cleanups;
                summary.cleanup_freed_bytes += report.cleanup_freed_bytes;
                summary.cleanup_max_freed_bytes = summary
                    .cleanup_max_freed_bytes
                    .max(report.cleanup_max_freed_bytes);
                if report.heap.peak_bytes >= summary.worst_peak_bytes {
                    summary.worst_peak_bytes = report.heap.peak_bytes;
                    summary.worst_peak_seed = report.seed;
                }
                if summary.worst_slope_seed.is_none()
                    || report.leak.slope_bytes_per_candle > summary.worst_slope_bytes_per_candle
                {
                    summary.worst_slope_bytes_per_candle = report.leak.slope_bytes_per_candle;
                    summary.worst_slope_seed = report.seed;
                }
            }
            SeedOutcome::Crashed { .. } => summary.crashed += 1,
        }
    }
    summary.candles_per_second = if elapsed > 0.0 {
        summary.candles as f64 / elapsed
    } else {
        0.0
    };
    summary
}

fn to_text(report: &SoakReport) -> String {
    let mut out = String::from("heapbound soak");
    if report.partial {
        out.push_str(" (PARTIAL: interrupted)");
    }
    out.push_str("\n  seed     candles   trades   peak heap B  growth B  slope B/candle  leak   cleanups  verdict\n");
    for outcome in &report.seeds {
        match outcome {
            SeedOutcome::Report(r) => out.push_str(&format!(
                "  {:<6} {:>10} {:>8} {:>13} {:>9} {:>15.4}  {:<5} {:>9}  {}\n",
                r.seed.unwrap_or_default(),
                r.candles,
                r.trades,
                r.heap.peak_bytes,
                r.heap.growth_bytes,
                r.leak.slope_bytes_per_candle,
                r.leak.verdict,
                r.cleanups,
                r.verdict
            )),
            SeedOutcome::Crashed { seed, crash, .. } => {
                out.push_str(&format!("  {seed:<6} CRASHED: {crash}\n"))
            }
        }
        if let SeedOutcome::Report(r) = outcome {
            for violation in &r.violations {
                out.push_str(&format!("         - {violation}\n"));
            }
        }
    }
    let s = &report.summary;
    out.push_str(&format!(
        "summary: {} seeds, {} passed, {} failed, {} crashed; {} candles at {:.0} candles/s\n",
        s.seeds, s.passed, s.failed, s.crashed, s.candles, s.candles_per_second
    ));
    out.push_str(&format!(
        "  worst peak heap {} B (seed {}), worst slope {:.4} B/candle (seed {}), {} cleanups freed {} B (at most {} B in one)\n",
        s.worst_peak_bytes,
        s.worst_peak_seed.map_or("-".to_string(), |seed| seed.to_string()),
        s.worst_slope_bytes_per_candle,
        s.worst_slope_seed.map_or("-".to_string(), |seed| seed.to_string()),
        s.cleanups,
        s.cleanup_freed_bytes,
        s.cleanup_max_freed_bytes
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges() {
        assert_eq!(seed_range("1..64"), Ok(1..64));
        assert_eq!(seed_range("1..=64"), Ok(1..65));
        assert_eq!(seed_range("7"), Ok(7..8));
        assert!(seed_range("5..5").is_err());
        assert!(seed_range("a..3").is_err());
    }
}
