//! The paper bot's own flags for the generic CLI (feature `cli`): each sets
//! one field of [`BotConfig`] over `--config` or the default.

use clap::{Args, ValueEnum};

use super::{ConfigFlags, UsageError};

use crate::paper::{BotConfig, StrategyConfig, CASH_UNITS_PER_QUOTE};

/// Strategy names on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StrategyName {
    /// Simple moving-average crossover (--fast, --slow).
    MaCrossover,
    /// RSI (--rsi-period, --oversold, --overbought).
    Rsi,
}

/// Flags of the paper bot; a flag left out keeps the config's value
/// (default: MA crossover 20/60, 10,000 USDT, 2 bps, 1,000 sessions and trades).
#[derive(Args, Clone, Debug, Default)]
pub struct PaperFlags {
    /// Strategy that decides [default: ma-crossover].
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyName>,
    /// Fast moving-average period in candles [default: 20].
    #[arg(long)]
    pub fast: Option<usize>,
    /// Slow moving-average period in candles [default: 60].
    #[arg(long)]
    pub slow: Option<usize>,
    /// RSI period in candles [default: 14].
    #[arg(long)]
    pub rsi_period: Option<usize>,
    /// RSI buy threshold, percent [default: 30].
    #[arg(long)]
    pub oversold: Option<u8>,
    /// RSI sell threshold, percent [default: 70].
    #[arg(long)]
    pub overbought: Option<u8>,
    /// Starting cash in quote units (USDT) [default: 10000].
    #[arg(long)]
    pub initial_capital: Option<i64>,
    /// Fee per fill in basis points [default: 2].
    #[arg(long)]
    pub fee_bps: Option<u32>,
    /// Session store bound [default: 1000].
    #[arg(long)]
    pub max_sessions: Option<usize>,
    /// Trade history bound [default: 1000].
    #[arg(long)]
    pub max_trades: Option<usize>,
    /// Run cleanup every this many candles, 0: never [default: 10000].
    #[arg(long)]
    pub cleanup_every: Option<u64>,
}

impl PaperFlags {
    fn strategy(&self, base: StrategyConfig) -> StrategyConfig {
        let (fast, slow) = match base {
            StrategyConfig::MaCrossover { fast, slow } => (fast, slow),
            StrategyConfig::Rsi { .. } => (20, 60),
        };
        let (period, oversold, overbought) = match base {
            StrategyConfig::Rsi {
                period,
                oversold,
                overbought,
            } => (period, oversold, overbought),
            StrategyConfig::MaCrossover { .. } => (14, 30, 70),
        };
        let rsi = match self.strategy {
            Some(StrategyName::Rsi) => true,
            Some(StrategyName::MaCrossover) => false,
            None => matches!(base, StrategyConfig::Rsi { .. }),
        };
        if rsi {
            StrategyConfig::Rsi {
                period: self.rsi_period.unwrap_or(period),
                oversold: self.oversold.unwrap_or(oversold),
                overbought: self.overbought.unwrap_or(overbought),
            }
        } else {
            StrategyConfig::MaCrossover {
                fast: self.fast.unwrap_or(fast),
                slow: self.slow.unwrap_or(slow),
            }
        }
    }
}

impl ConfigFlags<BotConfig> for PaperFlags {
    fn apply(&self, base: BotConfig) -> Result<BotConfig, UsageError> {
        let strategy = self.strategy(base.strategy);
        let initial_capital = match self.initial_capital {
            Some(quote) => quote
                .checked_mul(CASH_UNITS_PER_QUOTE)
                .ok_or_else(|| UsageError::flag("--initial-capital", "is too large"))?,
            None => base.initial_capital,
        };
        let max_sessions = self.max_sessions.unwrap_or(base.max_sessions);
        let max_trades = self.max_trades.unwrap_or(base.max_trades);
        let config = BotConfig {
            strategy,
            initial_capital,
            fee_bps: self.fee_bps.unwrap_or(base.fee_bps),
            max_sessions,
            max_trades,
            window: base.window.max(strategy.window_needed()),
            cleanup_every: self.cleanup_every.unwrap_or(base.cleanup_every),
            keep_trades: base.keep_trades.min(max_trades),
            keep_sessions: base.keep_sessions.min(max_sessions),
            ..base
        };
        config.validate().map_err(|error| {
            let rsi = matches!(strategy, StrategyConfig::Rsi { .. });
            let flag = match error.field.as_str() {
                "strategy" if rsi => "--rsi-period/--oversold/--overbought",
                "strategy" => "--fast/--slow",
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
