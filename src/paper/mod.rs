//! The reference bot: a paper-trading bot for one symbol, and its
//! implementation of [`Bot`](crate::Bot). It holds nothing test-only; the
//! deliberately broken bots are wrappers in [`crate::defects`].

mod action;
pub mod budget;
mod config;
mod executor;
mod fuzz_config;
pub mod invariants;
mod paper_bot;
pub mod strategy;

pub use action::PaperAction;
pub use config::{BotConfig, StrategyConfig, CASH_UNITS_PER_QUOTE, MAX_BOUND};
pub use executor::{Books, OrderError, PaperExecutor};
pub use fuzz_config::FUZZ_MAX_BOUND;
pub use invariants::Accounts;
pub use paper_bot::{
    BotError, CleanupReport, MetricSample, PaperBot, StepOutcome, COMPONENT_NAMES,
};
pub use strategy::Signal;
