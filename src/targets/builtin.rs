//! The built-in fuzz targets that need no bot: the bounded containers
//! against reference models, and the candle generator and validator. One
//! decoder and one check per target, shared by libFuzzer, bolero, corpus
//! replay and `heapbound replay`.

use std::fmt;

use arbitrary::{Arbitrary, Unstructured};
use serde::{Deserialize, Serialize};

use super::candle_file::{check_candle_file, CandleFileInput};
use super::candles::{check_candles, CandlesInput};
use super::containers::{
    check_price_cache, check_ring_buffer, check_session_store, check_trade_history,
    PriceCacheInput, RingBufferInput, SessionStoreInput, TradeHistoryInput,
};
use crate::violation::Violation;

/// A built-in target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Builtin {
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
    /// The candle file reader on arbitrary bytes.
    CandleFile,
}

impl Builtin {
    /// Every built-in target.
    pub const ALL: [Builtin; 6] = [
        Builtin::Candles,
        Builtin::SessionStore,
        Builtin::TradeHistory,
        Builtin::RingBuffer,
        Builtin::PriceCache,
        Builtin::CandleFile,
    ];

    /// The name of the target, its `fuzz/fuzz_targets/<name>.rs` and `corpus/<name>/`.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Candles => "candles",
            Builtin::SessionStore => "session_store",
            Builtin::TradeHistory => "trade_history",
            Builtin::RingBuffer => "ring_buffer",
            Builtin::PriceCache => "price_cache",
            Builtin::CandleFile => "candle_file",
        }
    }

    /// The target called `name`.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL
            .into_iter()
            .find(|target| target.name() == name)
    }
}

impl fmt::Display for Builtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A decoded input of a built-in target; as JSON, `{"target": ..., "input": ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "target", content = "input", rename_all = "snake_case")]
pub enum BuiltinInput {
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
    /// For `candle_file`.
    CandleFile(CandleFileInput),
}

/// A byte string that is not an input of the target.
#[derive(Debug, thiserror::Error)]
#[error("not a valid {target} input: {reason}")]
pub struct DecodeError {
    /// The target tried.
    pub target: String,
    /// Why decoding failed.
    pub reason: String,
}

fn take<'a, T: Arbitrary<'a>>(target: Builtin, data: &'a [u8]) -> Result<T, DecodeError> {
    T::arbitrary_take_rest(Unstructured::new(data)).map_err(|error| DecodeError {
        target: target.name().to_string(),
        reason: error.to_string(),
    })
}

impl BuiltinInput {
    /// Decodes raw fuzz bytes the way the target's fuzz harness does.
    pub fn from_fuzz_bytes(target: Builtin, data: &[u8]) -> Result<BuiltinInput, DecodeError> {
        Ok(match target {
            Builtin::Candles => BuiltinInput::Candles(take(target, data)?),
            Builtin::SessionStore => BuiltinInput::SessionStore(take(target, data)?),
            Builtin::TradeHistory => BuiltinInput::TradeHistory(take(target, data)?),
            Builtin::RingBuffer => BuiltinInput::RingBuffer(take(target, data)?),
            Builtin::PriceCache => BuiltinInput::PriceCache(take(target, data)?),
            Builtin::CandleFile => BuiltinInput::CandleFile(take(target, data)?),
        })
    }

    /// The target this input belongs to.
    pub fn target(&self) -> Builtin {
        match self {
            BuiltinInput::Candles(_) => Builtin::Candles,
            BuiltinInput::SessionStore(_) => Builtin::SessionStore,
            BuiltinInput::TradeHistory(_) => Builtin::TradeHistory,
            BuiltinInput::RingBuffer(_) => Builtin::RingBuffer,
            BuiltinInput::PriceCache(_) => Builtin::PriceCache,
            BuiltinInput::CandleFile(_) => Builtin::CandleFile,
        }
    }

    /// How many steps (ops, pushes or candles) the input drives.
    pub fn steps(&self) -> usize {
        match self {
            BuiltinInput::Candles(input) => usize::from(input.count),
            BuiltinInput::SessionStore(input) => input.ops.len(),
            BuiltinInput::TradeHistory(input) => input.ops.len(),
            BuiltinInput::RingBuffer(input) => input.pushes.len(),
            BuiltinInput::PriceCache(input) => input.ops.len(),
            BuiltinInput::CandleFile(input) => input.bytes.iter().filter(|&&b| b == b'\n').count(),
        }
    }

    /// Runs the target's checks on this input.
    pub fn check(&self) -> Result<(), Violation> {
        match self {
            BuiltinInput::Candles(input) => check_candles(input),
            BuiltinInput::SessionStore(input) => check_session_store(input),
            BuiltinInput::TradeHistory(input) => check_trade_history(input),
            BuiltinInput::RingBuffer(input) => check_ring_buffer(input),
            BuiltinInput::PriceCache(input) => check_price_cache(input),
            BuiltinInput::CandleFile(input) => check_candle_file(input),
        }
    }
}

/// The body of a built-in fuzz target: decode, check, and on a violation
/// panic with the report so libFuzzer saves the input as a crash.
pub fn fuzz_builtin(target: Builtin, data: &[u8]) {
    let Ok(input) = BuiltinInput::from_fuzz_bytes(target, data) else {
        return;
    };
    if let Err(violation) = input.check() {
        // In its target's folder, the crash file names its target.
        let violation = violation.reproduced_by(format!(
            "cargo run --release -- replay {}",
            crate::harness::crash_file(data)
        ));
        panic!("{violation}");
    }
}
