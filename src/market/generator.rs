//! A seeded market: the same seed gives the same candles on every machine.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

use super::candle::Candle;

/// Where the generated market starts and how often it ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketParams {
    /// First open, in ticks (5,000,000 ticks = 50,000.00 at a 0.01 tick).
    pub start_price: i64,
    /// Open time of the first candle, ms since the epoch.
    pub start_time_ms: i64,
    /// Candle interval in ms (60,000 for 1-minute candles).
    pub interval_ms: i64,
}

impl Default for MarketParams {
    fn default() -> Self {
        MarketParams {
            start_price: 5_000_000,
            // 2024-01-01T00:00:00Z
            start_time_ms: 1_704_067_200_000,
            interval_ms: 60_000,
        }
    }
}

/// The market's mood, drawn by the same RNG as the prices so a seed fixes both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Regime {
    /// Steady rise with noise.
    TrendUp,
    /// Steady fall with noise.
    TrendDown,
    /// No drift, small noise.
    Sideways,
    /// Large noise.
    VolatilityBurst,
    /// One candle that opens far from the previous close.
    Gap,
    /// A few candles of steep fall, then a recovery.
    FlashCrash,
}

/// Parts per million of the price.
const PPM: i64 = 1_000_000;
/// The crash phase of a flash crash lasts this many candles; the rest recovers.
const CRASH_CANDLES: u32 = 5;

/// Seeded candle generator (ChaCha8), an endless iterator of valid candles.
///
/// ```
/// use heapbound::market::CandleGenerator;
/// let a: Vec<_> = CandleGenerator::new(42).take(100).collect();
/// let b: Vec<_> = CandleGenerator::new(42).take(100).collect();
/// assert_eq!(a, b);
/// ```
#[derive(Clone, Debug)]
pub struct CandleGenerator {
    walk: Walk,
    /// Candles made ahead in one tight loop, handed out by `next` (a call
    /// that returns a 48-byte candle through memory on every candle cost more
    /// than making it), with the regime in force before each was drawn.
    ahead: [(Candle, Regime); AHEAD],
    /// Index of the next candle of `ahead` to hand out; `AHEAD` when empty.
    handed: usize,
}

/// Candles made ahead at a time.
const AHEAD: usize = 16;

/// The random walk itself.
#[derive(Clone, Debug)]
struct Walk {
    rng: ChaCha8Rng,
    params: MarketParams,
    close: i64,
    next_open_time: i64,
    regime: Regime,
    regime_left: u32,
    crash_left: u32,
    floor: i64,
    ceiling: i64,
}

impl CandleGenerator {
    /// A generator on the default market (BTCUSDT-like, 1-minute candles).
    pub fn new(seed: u64) -> CandleGenerator {
        CandleGenerator::with_params(seed, MarketParams::default())
    }

    /// A generator on a market of your choice. A start price below 100 ticks
    /// is raised to 100 so percentage moves stay representable.
    pub fn with_params(seed: u64, params: MarketParams) -> CandleGenerator {
        let start = params.start_price.clamp(100, i64::MAX / (4 * PPM));
        let walk = Walk {
            rng: ChaCha8Rng::seed_from_u64(seed),
            params: MarketParams {
                start_price: start,
                interval_ms: params.interval_ms.max(1),
                ..params
            },
            close: start,
            next_open_time: params.start_time_ms,
            regime: Regime::Sideways,
            regime_left: 0,
            crash_left: 0,
            // Prices wander within two orders of magnitude of the start.
            floor: (start / 100).max(10),
            ceiling: start.saturating_mul(100).min(i64::MAX / (4 * PPM)),
        };
        CandleGenerator {
            walk,
            ahead: [(Candle::EMPTY, Regime::Sideways); AHEAD],
            handed: AHEAD,
        }
    }

    /// The regime the next candle is drawn from.
    pub fn regime(&self) -> Regime {
        match self.ahead.get(self.handed) {
            Some(&(_, regime)) => regime,
            None => self.walk.regime,
        }
    }

    /// The parameters in force (after clamping).
    pub fn params(&self) -> MarketParams {
        self.walk.params
    }

    #[inline(never)]
    fn make_ahead(&mut self) {
        for slot in &mut self.ahead {
            let regime = self.walk.regime;
            *slot = (self.walk.next_candle(), regime);
        }
        self.handed = 0;
    }
}

impl Walk {
    fn draw_regime(&mut self) {
        let bits = self.rng.next_u64();
        let roll = bits % 100;
        let span = |low: u64, high: u64| (low + (bits >> 32) % (high - low + 1)) as u32;
        let (regime, length) = match roll {
            0..=24 => (Regime::TrendUp, span(200, 2_000)),
            25..=49 => (Regime::TrendDown, span(200, 2_000)),
            50..=79 => (Regime::Sideways, span(100, 1_000)),
            80..=91 => (Regime::VolatilityBurst, span(20, 200)),
            92..=96 => (Regime::Gap, 1),
            _ => (Regime::FlashCrash, CRASH_CANDLES + span(30, 80)),
        };
        // Keep the walk inside its band: a market at the floor stops falling.
        self.regime = match regime {
            Regime::TrendDown | Regime::FlashCrash if self.close <= self.floor * 2 => {
                Regime::TrendUp
            }
            Regime::TrendUp if self.close >= self.ceiling / 2 => Regime::TrendDown,
            other => other,
        };
        self.regime_left = length;
        self.crash_left = if self.regime == Regime::FlashCrash {
            CRASH_CANDLES
        } else {
            0
        };
    }

    /// (drift, noise amplitude) in ppm per candle for the current regime.
    fn drift_and_noise(&self) -> (i64, i64) {
        match self.regime {
            Regime::TrendUp => (40, 1_200),
            Regime::TrendDown => (-40, 1_200),
            Regime::Sideways => (0, 800),
            Regime::VolatilityBurst => (0, 5_000),
            Regime::Gap => (0, 1_500),
            Regime::FlashCrash if self.crash_left > 0 => (-30_000, 5_000),
            Regime::FlashCrash => (1_500, 1_500),
        }
    }

    fn next_candle(&mut self) -> Candle {
        if self.regime_left == 0 {
            self.draw_regime();
        }
        let bits = self.rng.next_u64();
        let noise_bits = (bits & 0xFFFF) as i64 - 0x8000;
        let wick_up_bits = ((bits >> 16) & 0xFFF) as i64;
        let wick_down_bits = ((bits >> 28) & 0xFFF) as i64;
        let volume_bits = ((bits >> 40) & 0xFFFF) as i64;
        let gap_bits = ((bits >> 56) & 0xFF) as i64;

        let (drift, noise) = self.drift_and_noise();
        let mut open = self.close;
        if self.regime == Regime::Gap {
            // 2% to 6% away from the last close, up or down by the noise sign.
            let gap_ppm = 20_000 + gap_bits * 40_000 / 256;
            let signed = if noise_bits < 0 { -gap_ppm } else { gap_ppm };
            open = (open + open * signed / PPM).max(1);
        }
        let change_ppm = drift + noise_bits * noise / 0x8000;
        let close = (open + open * change_ppm / PPM).clamp(self.floor, self.ceiling);
        let body_high = open.max(close);
        let body_low = open.min(close);
        let high = body_high + body_high * (wick_up_bits * noise / 0x1000) / PPM;
        let low = (body_low - body_low * (wick_down_bits * noise / 0x1000) / PPM).max(1);
        let volume_scale = if noise > 2_000 { 4 } else { 1 };
        let volume = (1_000 + volume_bits) * volume_scale;

        let open_time = self.next_open_time;
        self.next_open_time = self.next_open_time.saturating_add(self.params.interval_ms);
        self.close = close;
        self.regime_left -= 1;
        self.crash_left = self.crash_left.saturating_sub(1);
        // Every price above was built to satisfy the invariants; going through
        // the validating constructor keeps that a checked fact, not a hope.
        Candle::new(open_time, open, high, low, close, volume)
            .unwrap_or_else(|error| unreachable!("generator built an invalid candle: {error}"))
    }
}

impl Iterator for CandleGenerator {
    type Item = Candle;

    #[inline]
    fn next(&mut self) -> Option<Candle> {
        if self.handed == AHEAD {
            self.make_ahead();
        }
        let (candle, _) = self.ahead[self.handed];
        self.handed += 1;
        Some(candle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candles_made_ahead_are_the_walk_one_by_one() {
        let mut generator = CandleGenerator::new(7);
        let mut walk = CandleGenerator::new(7).walk;
        for _ in 0..(5 * AHEAD + 3) {
            assert_eq!(generator.regime(), walk.regime);
            assert_eq!(generator.next(), Some(walk.next_candle()));
        }
    }
}
