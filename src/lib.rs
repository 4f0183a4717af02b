//! # heapbound
//!
//! Proves, on every input, that a long-running trading bot stays inside its
//! memory budget: every component within its bound and byte budget, the
//! heap under its ceiling, no leak slope, the bot's own invariants held,
//! and every byte back at teardown.
//!
//! Implement [`Bot`] for your bot, then prove it from a test:
//!
//! ```
//! #[global_allocator]
//! static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();
//!
//! use heapbound::paper::{BotConfig, PaperBot};
//! let report = heapbound::prove::<PaperBot>(BotConfig::default())
//!     .seeds(0..2)
//!     .candles(20_000)
//!     .run();
//! assert!(report.runs.iter().all(|run| run.verdict == "pass"));
//! ```
//!
//! The same checks run from a fuzz target ([`fuzz`]), from `simulate` and
//! `soak` ([`sim`]), and from the command line ([`cli::main`], feature `cli`).
//!
//! Layout: [`bot`] is the trait; [`harness`] and [`sim`] drive any bot;
//! [`heap`], [`market`], [`bounded`] and [`leak`] know no bot; [`paper`] is
//! the reference bot and [`defects`] the deliberately broken wrappers.
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]
// A `Violation` is returned once per failed run; boxing it would add an
// allocation on the error path for no gain.
#![allow(clippy::result_large_err)]

pub mod bot;
pub mod bounded;
pub mod budget;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "defects")]
pub mod defects;
#[cfg(unix)]
pub mod external;
pub mod harness;
pub mod heap;
pub mod leak;
pub mod market;
#[cfg(feature = "monitor")]
pub mod monitor;
pub mod paper;
pub mod process;
pub mod sim;
pub mod targets;
pub mod violation;
mod write;

pub use bot::{
    Activity, Bot, CandleOutcome, Cleanup, Component, ConfigError, MarketView, COMPONENT_OVERHEAD,
};
pub use harness::{fuzz, fuzz_with, Scenario, Step};
pub use market::Candle;
pub use sim::prove;
pub use violation::{Failure, Invariant, Violation};
