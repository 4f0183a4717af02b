//! The bot under test: a paper-trading bot for one symbol.

mod config;
mod defect;
mod executor;
pub mod strategy;
mod trading_bot;

pub use config::{BotConfig, ConfigError, StrategyConfig, CASH_UNITS_PER_QUOTE, MAX_BOUND};
pub use defect::{Defect, LeakPattern};
pub use executor::{Books, OrderError, PaperExecutor};
pub use strategy::Signal;
pub use trading_bot::{
    BotError, CleanupReport, ComponentState, MetricSample, StepOutcome, TradingBot, COMPONENT_NAMES,
};
