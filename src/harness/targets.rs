//! The fuzz targets by name: one decoder and one check per target, shared
//! by libFuzzer, bolero, corpus replay and `heapbound replay`.

use std::fmt;

use arbitrary::{Arbitrary, Unstructured};
use serde::{Deserialize, Serialize};

use super::candles::{check_candles, CandlesInput};
use super::containers::{
    check_price_cache, check_ring_buffer, check_session_store, check_trade_history,
    PriceCacheInput, RingBufferInput, SessionStoreInput, TradeHistoryInput,
};
use std::sync::OnceLock;

use crate::bot::{Defect, LeakPattern};

use super::run::{run_with, RunOptions};
use super::scenario::Scenario;
use super::violation::Violation;

/// A fuzz target.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Target {
    /// Whole scenarios of actions against the bot.
    Actions,
    /// The candle generator and validator.
    Candles,
    /// The session store against a model.
    SessionStore,
    /// The trade history against a model.
    TradeHistory,
    /// The ring buffer against a model.
    RingBuffer,
    /// The price cache against a model.
    PriceCache,
}

impl Target {
    /// Every target, in the order CI runs them.
    pub const ALL: [Target; 6] = [
        Target::Actions,
        Target::Candles,
        Target::SessionStore,
        Target::TradeHistory,
        Target::RingBuffer,
        Target::PriceCache,
    ];

    /// The name of the target, its `fuzz/fuzz_targets/<name>.rs` and `corpus/<name>/`.
    pub fn name(self) -> &'static str {
        match self {
            Target::Actions => "actions",
            Target::Candles => "candles",
            Target::SessionStore => "session_store",
            Target::TradeHistory => "trade_history",
            Target::RingBuffer => "ring_buffer",
            Target::PriceCache => "price_cache",
        }
    }

    /// The target called `name`.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|target| target.name() == name)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A decoded input of some target; as JSON, `{"target": ..., "input": ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "target", content = "input", rename_all = "snake_case")]
pub enum Input {
    /// For `actions`.
    Actions(Scenario),
    /// For `candles`.
    Candles(CandlesInput),
    /// For `session_store`.
    SessionStore(SessionStoreInput),
    /// For `trade_history`.
    TradeHistory(TradeHistoryInput),
    /// For `ring_buffer`.
    RingBuffer(RingBufferInput),
    /// For `price_cache`.
    PriceCache(PriceCacheInput),
}

/// A byte string that is not an input of the target.
#[derive(Debug, thiserror::Error)]
#[error("not a valid {target} input: {reason}")]
pub struct DecodeError {
    /// The target tried.
    pub target: Target,
    /// Why decoding failed.
    pub reason: String,
}

fn take<'a, T: Arbitrary<'a>>(target: Target, data: &'a [u8]) -> Result<T, DecodeError> {
    T::arbitrary_take_rest(Unstructured::new(data)).map_err(|error| DecodeError {
        target,
        reason: error.to_string(),
    })
}

impl Input {
    /// Decodes raw fuzz bytes the way the target's fuzz harness does.
    pub fn from_fuzz_bytes(target: Target, data: &[u8]) -> Result<Input, DecodeError> {
        Ok(match target {
            Target::Actions => Input::Actions(Scenario::from_fuzz_bytes(data).map_err(
                |error| DecodeError {
                    target,
                    reason: error.to_string(),
                },
            )?),
            Target::Candles => Input::Candles(take(target, data)?),
            Target::SessionStore => Input::SessionStore(take(target, data)?),
            Target::TradeHistory => Input::TradeHistory(take(target, data)?),
            Target::RingBuffer => Input::RingBuffer(take(target, data)?),
            Target::PriceCache => Input::PriceCache(take(target, data)?),
        })
    }

    /// The target this input belongs to.
    pub fn target(&self) -> Target {
        match self {
            Input::Actions(_) => Target::Actions,
            Input::Candles(_) => Target::Candles,
            Input::SessionStore(_) => Target::SessionStore,
            Input::TradeHistory(_) => Target::TradeHistory,
            Input::RingBuffer(_) => Target::RingBuffer,
            Input::PriceCache(_) => Target::PriceCache,
        }
    }

    /// How many steps (actions, ops, pushes or candles) the input drives.
    pub fn steps(&self) -> usize {
        match self {
            Input::Actions(scenario) => scenario.actions.len(),
            Input::Candles(input) => usize::from(input.count),
            Input::SessionStore(input) => input.ops.len(),
            Input::TradeHistory(input) => input.ops.len(),
            Input::RingBuffer(input) => input.pushes.len(),
            Input::PriceCache(input) => input.ops.len(),
        }
    }

    /// Runs the target's checks on this input (an `actions` scenario runs
    /// against the leak named by `HEAPBOUND_INJECT`, if any).
    pub fn check(&self) -> Result<(), Violation> {
        match self {
            Input::Actions(scenario) => {
                let options = RunOptions {
                    defect: injected_leak().map(Defect::Leak),
                    ..RunOptions::default()
                };
                run_with(scenario, &options, &mut |_| {}).map(|_| ())
            }
            Input::Candles(input) => check_candles(input),
            Input::SessionStore(input) => check_session_store(input),
            Input::TradeHistory(input) => check_trade_history(input),
            Input::RingBuffer(input) => check_ring_buffer(input),
            Input::PriceCache(input) => check_price_cache(input),
        }
    }
}

/// The leak pattern named by `HEAPBOUND_INJECT`, read once: lets the
/// `actions` fuzz target run against a deliberately leaky bot
/// (`HEAPBOUND_INJECT=slow-drip cargo fuzz run actions`).
pub fn injected_leak() -> Option<LeakPattern> {
    static INJECTED: OnceLock<Option<LeakPattern>> = OnceLock::new();
    *INJECTED.get_or_init(|| {
        let name = std::env::var("HEAPBOUND_INJECT").ok()?;
        let pattern = LeakPattern::ALL.into_iter().find(|p| p.name() == name);
        if pattern.is_none() {
            eprintln!("HEAPBOUND_INJECT={name:?} names no leak pattern; running the correct bot");
        }
        pattern
    })
}

/// `HEAPBOUND_INJECT=<name> ` when a leak is injected, for reproduction commands.
pub fn env_prefix() -> String {
    injected_leak()
        .map(|pattern| format!("HEAPBOUND_INJECT={} ", pattern.name()))
        .unwrap_or_default()
}

/// The body of every fuzz target: decode, check, and on a violation panic
/// with the full report so libFuzzer saves the input as a crash. Inputs
/// that do not decode are skipped.
pub fn fuzz_one(target: Target, data: &[u8]) {
    let Ok(input) = Input::from_fuzz_bytes(target, data) else {
        return;
    };
    if let Err(violation) = input.check() {
        let violation = violation.reproduced_by(format!(
            "{}cargo run --release -- replay fuzz/artifacts/{target}/<crash-file> --target {target}",
            env_prefix()
        ));
        panic!("{violation}");
    }
}
