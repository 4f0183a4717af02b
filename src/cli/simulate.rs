//! `heapbound simulate`: candles through the bot, a report, an exit code.

use std::io::Write;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use crate::bot::Bot;
use crate::leak::DEFAULT_HORIZON_CANDLES;
use crate::market::CandleGenerator;
use crate::sim::{self, SimOptions, SimReport};

use super::bot_args::{dispatch, BotArgs, BotJob, ConfigFlags};
use super::source::{simulate_file, CandleFileArgs, CandleSource};
use super::units::positive;
use super::{Outcome, UsageError};

/// Report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Text,
    /// One JSON document on stdout, nothing else there.
    Json,
}

/// Flags of the run's growth checks: the leak slope and the action mix.
#[derive(Args, Clone, Debug)]
pub struct LeakArgs {
    /// Apply one of the bot's own actions (a seeded mix: sessions, orders,
    /// cleanups, ...) every N candles, so components that only actions
    /// fill are exercised; 0: candles only.
    #[arg(long, value_name = "N", default_value_t = crate::sim::DEFAULT_ACTION_EVERY)]
    pub action_every: u64,
    /// Horizon of the leak projection, in candles (default: a year of
    /// 1-minute candles).
    #[arg(long, allow_hyphen_values = true, value_parser = positive, default_value_t = DEFAULT_HORIZON_CANDLES)]
    pub horizon: u64,
    /// Growth allowed over the horizon before the verdict is `leak`
    /// (default: 16KiB for a heap heapbound measures, 1MiB for one a bot
    /// process reports, whose measure is noisier; see README, "What counts
    /// as a leak").
    #[arg(long, allow_hyphen_values = true, value_parser = super::units::byte_size)]
    pub leak_budget: Option<u64>,
}

/// `heapbound simulate`.
#[derive(Args, Clone, Debug)]
pub struct SimulateArgs<F: Args> {
    /// Generator seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Candles to feed (default 1,000,000; with --candles-file, every row).
    #[arg(long, allow_hyphen_values = true, value_parser = positive)]
    pub candles: Option<u64>,
    #[command(flatten)]
    pub file: CandleFileArgs,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub bot: BotArgs<F>,
    #[command(flatten)]
    pub leak: LeakArgs,
    /// Print the N allocation sites that grew most after warm-up
    /// (captures call stacks: slower).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub top: usize,
}

/// Candles `simulate` feeds from the generator unless told otherwise.
pub const DEFAULT_CANDLES: u64 = 1_000_000;

fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} candles {per_sec} eta {eta} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Runs `simulate` and prints its report.
pub fn run<B: Bot, F: ConfigFlags<B::Config>>(
    args: &SimulateArgs<F>,
) -> Result<Outcome, UsageError> {
    dispatch::<B, F>(&args.bot, &Job(args))
}

struct Job<'a, F: Args>(&'a SimulateArgs<F>);

impl<F: Args> BotJob for Job<'_, F> {
    fn run<B: Bot>(&self, config: &B::Config) -> Result<Outcome, UsageError> {
        run_with::<B>(self.0, config)
    }
}

fn run_with<B: Bot>(
    args: &SimulateArgs<impl Args>,
    config: &B::Config,
) -> Result<Outcome, UsageError> {
    let source = CandleSource::open(&args.file)?;
    let candles = match &source {
        CandleSource::File { input, .. } => args.candles.unwrap_or(u64::MAX).min(input.rows),
        CandleSource::Generator => args.candles.unwrap_or(DEFAULT_CANDLES),
    };
    let options = SimOptions {
        seed: source.is_generator().then_some(args.seed),
        candles,
        heap_ceiling: args.bot.heap_ceiling,
        horizon_candles: args.leak.horizon,
        leak_budget_bytes: args.leak.leak_budget,
        action_every: Some(args.leak.action_every),
        top_sites: args.top,
        ..SimOptions::default()
    };
    let report = simulate_one::<B>(&options, config, source, args.seed)?;
    refuse_protocol_errors(&report)?;
    print_report(&report, args.format);
    Ok(if report.passed() {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}

fn simulate_one<B: Bot>(
    options: &SimOptions,
    config: &B::Config,
    source: CandleSource,
    seed: u64,
) -> Result<SimReport, UsageError> {
    let bar = progress_bar(options.candles);
    let mut on_progress = |p: &sim::Progress| {
        bar.set_position(p.candles);
        bar.set_message(format!("heap {} B", p.live_bytes));
    };
    let result = match source {
        CandleSource::File { mut reader, input } => {
            simulate_file::<B>(options, config, &mut reader, input, &mut on_progress)
        }
        CandleSource::Generator => sim::simulate::<B>(
            options,
            config,
            CandleGenerator::new(seed),
            &mut on_progress,
        )
        .map_err(UsageError::from),
    };
    bar.finish_and_clear();
    result
}

/// A bot process that broke the protocol is a usage error (exit 2), not a
/// failed check: the report cannot be trusted.
pub fn refuse_protocol_errors(report: &SimReport) -> Result<(), UsageError> {
    match report
        .broken
        .iter()
        .find(|v| v.invariant == crate::harness::Invariant::Protocol)
    {
        Some(violation) => Err(UsageError::flag(
            "--exec",
            violation.detail.as_deref().unwrap_or("protocol error"),
        )),
        None => Ok(()),
    }
}

/// Prints a report on stdout in the chosen format.
pub fn print_report(report: &SimReport, format: Format) {
    let text = match format {
        Format::Text => report.to_text(),
        Format::Json => serde_json::to_string_pretty(report).unwrap_or_default() + "\n",
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
}
