//! `heapbound simulate`: candles through the bot, a report, an exit code.

use std::io::Write;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use heapbound::bot::{BotConfig, Defect, LeakPattern, StrategyConfig, CASH_UNITS_PER_QUOTE};
use heapbound::leak::{DEFAULT_HORIZON_CANDLES, DEFAULT_LEAK_BUDGET_BYTES};
use heapbound::market::CandleGenerator;
use heapbound::sim::{self, SimOptions, SimReport};

use super::source::CandleFileArgs;
use super::units::{byte_size, positive};
use super::{Outcome, UsageError};

/// Strategy names on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StrategyName {
    /// Simple moving-average crossover (--fast, --slow).
    MaCrossover,
    /// RSI (--rsi-period, --oversold, --overbought).
    Rsi,
}

/// Report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Text,
    /// One JSON document on stdout, nothing else there.
    Json,
}

/// The bot and market flags shared by `simulate` and `soak`.
#[derive(Args, Clone, Debug)]
pub struct BotArgs {
    /// Strategy that decides.
    #[arg(long, value_enum, default_value_t = StrategyName::MaCrossover)]
    pub strategy: StrategyName,
    /// Fast moving-average period in candles.
    #[arg(long, default_value_t = 20)]
    pub fast: usize,
    /// Slow moving-average period in candles.
    #[arg(long, default_value_t = 60)]
    pub slow: usize,
    /// RSI period in candles.
    #[arg(long, default_value_t = 14)]
    pub rsi_period: usize,
    /// RSI buy threshold (percent).
    #[arg(long, default_value_t = 30)]
    pub oversold: u8,
    /// RSI sell threshold (percent).
    #[arg(long, default_value_t = 70)]
    pub overbought: u8,
    /// Starting cash in quote units (USDT).
    #[arg(long, default_value_t = 10_000)]
    pub initial_capital: i64,
    /// Fee per fill in basis points.
    #[arg(long, default_value_t = 2)]
    pub fee_bps: u32,
    /// Session store bound.
    #[arg(long, default_value_t = 1_000)]
    pub max_sessions: usize,
    /// Trade history bound.
    #[arg(long, default_value_t = 1_000)]
    pub max_trades: usize,
    /// Run cleanup every this many candles (0: never).
    #[arg(long, default_value_t = 10_000)]
    pub cleanup_every: u64,
    /// Heap ceiling for the bot (e.g. 64KiB, 8MiB); default: the budget
    /// computed from the bounds.
    #[arg(long, allow_hyphen_values = true, value_parser = byte_size)]
    pub heap_ceiling: Option<u64>,
}

impl BotArgs {
    /// The bot config these flags describe, or a usage error naming the flag.
    pub fn config(&self) -> Result<BotConfig, UsageError> {
        let strategy = match self.strategy {
            StrategyName::MaCrossover => StrategyConfig::MaCrossover {
                fast: self.fast,
                slow: self.slow,
            },
            StrategyName::Rsi => StrategyConfig::Rsi {
                period: self.rsi_period,
                oversold: self.oversold,
                overbought: self.overbought,
            },
        };
        let defaults = BotConfig::default();
        let initial_capital = self
            .initial_capital
            .checked_mul(CASH_UNITS_PER_QUOTE)
            .ok_or_else(|| UsageError::flag("--initial-capital", "is too large"))?;
        let config = BotConfig {
            strategy,
            initial_capital,
            fee_bps: self.fee_bps,
            max_sessions: self.max_sessions,
            max_trades: self.max_trades,
            window: defaults.window.max(strategy.window_needed()),
            cleanup_every: self.cleanup_every,
            keep_trades: defaults.keep_trades.min(self.max_trades),
            keep_sessions: defaults.keep_sessions.min(self.max_sessions),
            ..defaults
        };
        config.validate().map_err(|error| {
            let flag = match error.field {
                "strategy" => match self.strategy {
                    StrategyName::MaCrossover => "--fast/--slow",
                    StrategyName::Rsi => "--rsi-period/--oversold/--overbought",
                },
                "initial_capital" => "--initial-capital",
                "fee_bps" => "--fee-bps",
                "max_sessions" => "--max-sessions",
                "max_trades" => "--max-trades",
                other => other,
            };
            UsageError::flag(flag, &error.reason)
        })?;
        Ok(config)
    }
}

/// Flags of the leak-slope detector.
#[derive(Args, Clone, Debug)]
pub struct LeakArgs {
    /// Horizon of the leak projection, in candles (default: a year of
    /// 1-minute candles).
    #[arg(long, allow_hyphen_values = true, value_parser = positive, default_value_t = DEFAULT_HORIZON_CANDLES)]
    pub horizon: u64,
    /// Growth allowed over the horizon before the verdict is `leak`.
    #[arg(long, allow_hyphen_values = true, value_parser = byte_size, default_value_t = DEFAULT_LEAK_BUDGET_BYTES)]
    pub leak_budget: u64,
}

/// `heapbound simulate`.
#[derive(Args, Clone, Debug)]
pub struct SimulateArgs {
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
    pub bot: BotArgs,
    #[command(flatten)]
    pub leak: LeakArgs,
    /// Run a deliberately leaky bot (see README, injected-leak suite).
    #[arg(long, value_enum)]
    pub inject: Option<LeakPattern>,
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
pub fn run(args: &SimulateArgs) -> Result<Outcome, UsageError> {
    let config = args.bot.config()?;
    let file = args.file.open()?;
    let candles = match &file {
        Some((_, input)) => args.candles.unwrap_or(u64::MAX).min(input.rows),
        None => args.candles.unwrap_or(DEFAULT_CANDLES),
    };
    let options = SimOptions {
        seed: if file.is_some() {
            None
        } else {
            Some(args.seed)
        },
        candles,
        bot: config,
        heap_ceiling: args.bot.heap_ceiling,
        horizon_candles: args.leak.horizon,
        leak_budget_bytes: args.leak.leak_budget,
        defect: args.inject.map(Defect::Leak),
        top_sites: args.top,
        ..SimOptions::default()
    };
    let bar = progress_bar(candles);
    let mut on_progress = |p: &sim::Progress| {
        bar.set_position(p.candles);
        bar.set_message(format!("heap {} B", p.live_bytes));
    };
    let result = match file {
        // The file was validated in full: every row here is a valid candle.
        Some((reader, input)) => {
            sim::simulate(&options, reader.map_while(Result::ok), &mut on_progress).map(
                |mut report| {
                    report.input = Some(input);
                    report
                },
            )
        }
        None => sim::simulate(&options, CandleGenerator::new(args.seed), &mut on_progress),
    };
    let report = result.map_err(|error| UsageError::flag("config", &error.to_string()))?;
    bar.finish_and_clear();
    print_report(&report, args.format);
    Ok(if report.passed() {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
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
