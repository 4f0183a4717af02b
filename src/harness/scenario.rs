//! Scenarios: a seed, a bot config, and steps (candles and the bot's actions).

use std::fmt;

use arbitrary::{Arbitrary, Unstructured};
use serde::{Deserialize, Serialize};

use crate::bot::Bot;
use crate::market::Candle;

/// The most steps a scenario decoded from fuzz bytes runs; longer inputs
/// are cut. A scenario read from JSON (a flight recorder's dump, a saved
/// failure) runs all its steps.
pub const SCENARIO_MAX_STEPS: usize = 512;

/// The most candles a scenario feeds; `Candles(n)` stops there, which keeps
/// one fuzz input to milliseconds.
pub const SCENARIO_MAX_CANDLES: u64 = 20_000;

/// Spec candles stay below this price (ticks), so a run of +300% candles
/// cannot overflow.
pub const MAX_SPEC_PRICE: i64 = 1 << 40;

/// A whole fuzz input for bot `B`: replayable from raw bytes (`arbitrary`)
/// or JSON.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Scenario<B: Bot> {
    /// Seed of the candle generator behind `Candles(n)`.
    pub seed: u64,
    /// The bot's configuration.
    #[serde(default)]
    pub config: B::Config,
    /// What happens, in order.
    #[serde(default)]
    pub actions: Vec<Step<B::Action>>,
}

/// One step of a scenario: market data, or one of the bot's own actions.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step<A> {
    /// `n` candles from the scenario's seeded generator. A `u8`, so one
    /// step stays cheap and long runs are many steps.
    Candles(u8),
    /// One arbitrary valid candle.
    Candle(CandleSpec),
    /// One of the bot's actions.
    Bot(A),
    /// One candle exactly as a live bot got it (a flight recorder's dump,
    /// `monitor::FlightRecorder`). Never drawn from fuzz bytes, so fuzz
    /// inputs and the corpus decode as before.
    #[arbitrary(skip)]
    Recorded(Candle),
}

impl<A: fmt::Debug> fmt::Display for Step<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Candles(n) => write!(f, "Candles({n})"),
            Step::Candle(spec) => write!(f, "Candle({spec:?})"),
            Step::Bot(action) => write!(f, "{action:?}"),
            Step::Recorded(candle) => write!(f, "Recorded({candle:?})"),
        }
    }
}

impl<B: Bot> Clone for Scenario<B> {
    fn clone(&self) -> Self {
        Scenario {
            seed: self.seed,
            config: self.config.clone(),
            actions: self.actions.clone(),
        }
    }
}

impl<B: Bot> fmt::Debug for Scenario<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario")
            .field("seed", &self.seed)
            .field("config", &self.config)
            .field("actions", &self.actions)
            .finish()
    }
}

impl<'a, B: Bot> Arbitrary<'a> for Scenario<B> {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Scenario {
            seed: u.arbitrary()?,
            config: u.arbitrary()?,
            actions: u
                .arbitrary_iter()?
                .take(SCENARIO_MAX_STEPS)
                .collect::<arbitrary::Result<_>>()?,
        })
    }

    /// The seed, the config, then step after step until the bytes run out.
    /// (`arbitrary_take_rest_iter` reads a continue-or-stop byte before
    /// every step, so random bytes decode to about one step: libFuzzer
    /// then rarely builds the sequences a deep defect needs.)
    fn arbitrary_take_rest(mut u: Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Scenario {
            seed: u.arbitrary()?,
            config: u.arbitrary()?,
            actions: steps_until_empty(&mut u),
        })
    }
}

/// Steps drawn one after another until `data` runs out or
/// [`SCENARIO_MAX_STEPS`] are drawn; every byte string decodes.
pub(crate) fn steps_until_empty<A: for<'a> Arbitrary<'a>>(
    data: &mut Unstructured<'_>,
) -> Vec<Step<A>> {
    let mut steps = Vec::new();
    while !data.is_empty() && steps.len() < SCENARIO_MAX_STEPS {
        match Step::arbitrary(data) {
            Ok(step) => steps.push(step),
            Err(_) => break,
        }
    }
    steps
}

impl<B: Bot> Scenario<B> {
    /// Decodes a fuzz input: the seed, the config, then steps until the
    /// bytes run out. Any byte string decodes (missing bytes read as
    /// zeros); steps past [`SCENARIO_MAX_STEPS`] are dropped.
    pub fn from_fuzz_bytes(data: &[u8]) -> Result<Scenario<B>, arbitrary::Error> {
        Scenario::arbitrary_take_rest(Unstructured::new(data))
    }

    /// Decodes a fuzz input of fuzz target `target`: [`from_fuzz_bytes`],
    /// then the config fixed as that target fixes it ([`Bot::fuzz_config`]).
    ///
    /// [`from_fuzz_bytes`]: Scenario::from_fuzz_bytes
    pub fn from_target_bytes(target: &str, data: &[u8]) -> Result<Scenario<B>, arbitrary::Error> {
        let mut scenario = Scenario::from_fuzz_bytes(data)?;
        B::fuzz_config(target, &mut scenario.config);
        Ok(scenario)
    }

    /// The same steps for another bot whose config wraps this one's (a
    /// defect wrapper around `B`, for instance).
    pub fn map_config<W: Bot<Action = B::Action>>(
        self,
        wrap: impl FnOnce(B::Config) -> W::Config,
    ) -> Scenario<W> {
        Scenario {
            seed: self.seed,
            config: wrap(self.config),
            actions: self.actions,
        }
    }
}

/// A candle described relative to the last close, so every drawn value
/// builds a valid candle through [`Candle::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
pub struct CandleSpec {
    /// Open relative to the last close, in basis points.
    pub open_bps: i16,
    /// Close relative to the open, in basis points.
    pub body_bps: i16,
    /// High above the body, in basis points.
    pub wick_up_bps: u16,
    /// Low below the body, in basis points.
    pub wick_down_bps: u16,
    /// Volume in lots.
    pub volume: u16,
}

impl CandleSpec {
    /// The candle this spec makes after a candle closing at `last_close`.
    pub fn build(&self, open_time: i64, last_close: i64) -> Candle {
        let shift = |price: i64, bps: i64| (price + price * bps / 10_000).clamp(1, MAX_SPEC_PRICE);
        let open = shift(last_close, i64::from(self.open_bps));
        let close = shift(open, i64::from(self.body_bps));
        let high = shift(open.max(close), i64::from(self.wick_up_bps));
        let low = shift(open.min(close), -i64::from(self.wick_down_bps)).min(open.min(close));
        Candle::new(open_time, open, high, low, close, i64::from(self.volume))
            .unwrap_or_else(|error| unreachable!("spec built an invalid candle: {error}"))
    }
}
