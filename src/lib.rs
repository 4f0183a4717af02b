//! # heapbound
//!
//! Proves, on every input, that a long-running paper-trading bot stays inside
//! its memory budget.
//!
//! ```no_run
//! // One line in any binary, test or fuzz target:
//! #[global_allocator]
//! static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();
//!
//! use heapbound::bot::{BotConfig, TradingBot};
//! use heapbound::market::CandleGenerator;
//!
//! let scope = heapbound::heap::Scope::start();
//! let mut bot = TradingBot::new(BotConfig::default()).unwrap();
//! for candle in CandleGenerator::new(42).take(100_000) {
//!     bot.step(&candle);
//! }
//! println!("bot holds {} bytes, peak {}", bot.heap().live_bytes, scope.peak_bytes());
//! ```
//!
//! The crate has two halves: the bot under test ([`market`], [`bot`],
//! [`bounded`]) and the harness that measures it ([`heap`], [`sim`]).
#![warn(missing_docs)]
// A `Violation` is returned once per failed run; boxing it would add an
// allocation on the error path for no gain.
#![allow(clippy::result_large_err)]

pub mod bot;
pub mod bounded;
pub mod harness;
pub mod heap;
pub mod leak;
pub mod market;
pub mod process;
pub mod sim;
