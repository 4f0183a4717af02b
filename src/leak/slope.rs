//! Least-squares growth slope of live bytes over candles, with a 95% band
//! from Student's t.

use serde::Serialize;

/// Fewest samples a verdict is drawn from. With 10 samples the fit has 8
/// degrees of freedom and t(0.975, 8) = 2.306, within a fifth of the normal
/// 1.96: the band is then set by the data rather than by the penalty for
/// having little of it, and a step-shaped leak (a few bytes every thousand
/// candles) has had room to show more than one step. Fewer samples report
/// their fit but never call it a leak.
pub const MIN_SAMPLES_FOR_VERDICT: u64 = 10;

/// Samples (candle index, live bytes) and fits a line through them.
///
/// Sums are centred and updated online (Welford's co-moments), so a soak
/// of 10^9 candles keeps full precision: uncentred sums of x² at x ~ 10^9
/// reach 10^27 over many samples, where an f64 keeps 16 digits.
#[derive(Clone, Debug, Default)]
pub struct SlopeFit {
    n: u64,
    mean_x: f64,
    mean_y: f64,
    /// Σ (x - mean_x)²
    sxx: f64,
    /// Σ (x - mean_x)(y - mean_y)
    sxy: f64,
    /// Σ (y - mean_y)²
    syy: f64,
}

/// A fitted slope in bytes per candle and its 95% confidence half-width.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Slope {
    /// Bytes per candle.
    pub bytes_per_candle: f64,
    /// Half-width of the 95% confidence band of the slope.
    pub confidence_95: f64,
    /// Samples the fit used.
    pub samples: u64,
}

/// Two-sided 95% quantiles of Student's t for 1 to 30 degrees of freedom.
const T_975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// t(0.975, `df`): the table up to 30, then the Cornish-Fisher expansion
/// around the normal quantile (error below 10^-4 from 30 on).
pub(crate) fn t_975(df: u64) -> f64 {
    match df {
        0 => f64::INFINITY,
        1..=30 => T_975[df as usize - 1],
        _ => {
            let z: f64 = 1.959_963_984_540_054;
            let v = df as f64;
            z + (z.powi(3) + z) / (4.0 * v)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
                + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z)
                    / (384.0 * v * v * v)
        }
    }
}

impl SlopeFit {
    /// Adds one sample, in constant memory.
    pub fn add(&mut self, candle: u64, bytes: u64) {
        self.add_point(candle as f64, bytes as f64);
    }

    /// Adds a sample whose value may be negative (a cumulative change).
    pub fn add_signed(&mut self, candle: u64, bytes: i64) {
        self.add_point(candle as f64, bytes as f64);
    }

    /// Adds a sample of real numbers.
    pub fn add_point(&mut self, x: f64, y: f64) {
        self.n += 1;
        let n = self.n as f64;
        let dx = x - self.mean_x;
        let dy = y - self.mean_y;
        self.mean_x += dx / n;
        self.mean_y += dy / n;
        self.sxx += dx * (x - self.mean_x);
        self.sxy += dx * (y - self.mean_y);
        self.syy += dy * (y - self.mean_y);
    }

    /// The fitted slope; zero with fewer than three samples (no band).
    pub fn slope(&self) -> Slope {
        let samples = self.n;
        if samples < 3 || self.sxx <= 0.0 {
            return Slope {
                samples,
                ..Slope::default()
            };
        }
        // `+ 0.0` turns a -0.0 from an all-flat series into 0.0 for display.
        let slope = self.sxy / self.sxx + 0.0;
        let residual = (self.syy - slope * self.sxy).max(0.0);
        let df = samples - 2;
        let standard_error = (residual / df as f64 / self.sxx).sqrt();
        Slope {
            bytes_per_candle: slope,
            confidence_95: t_975(df) * standard_error,
            samples,
        }
    }

    /// The fitted line as (slope, intercept), for drawing.
    pub fn line(&self) -> (f64, f64) {
        if self.n == 0 {
            return (0.0, 0.0);
        }
        let slope = self.slope().bytes_per_candle;
        (slope, self.mean_y - slope * self.mean_x)
    }
}

impl Slope {
    /// Bytes the slope adds over `horizon` candles.
    pub fn projected_bytes(&self, horizon: u64) -> f64 {
        self.bytes_per_candle * horizon as f64
    }

    /// Whether there are enough samples for a verdict, the growth is real
    /// (the band excludes zero), and it is large enough to pass `budget`
    /// bytes within `horizon` candles.
    pub fn is_leak(&self, horizon: u64, budget: u64) -> bool {
        let lower = self.bytes_per_candle - self.confidence_95;
        self.samples >= MIN_SAMPLES_FOR_VERDICT
            && lower > 0.0
            && self.projected_bytes(horizon) > budget as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;
    use rand_core::{RngCore, SeedableRng};

    /// Uniform noise in [-amplitude, amplitude], seeded.
    fn noise(rng: &mut ChaCha8Rng, amplitude: f64) -> f64 {
        (rng.next_u64() as f64 / u64::MAX as f64 * 2.0 - 1.0) * amplitude
    }

    #[test]
    fn flat_series_has_zero_slope() {
        let mut fit = SlopeFit::default();
        for i in 0..100 {
            fit.add(i * 1000, 4096);
        }
        let slope = fit.slope();
        assert_eq!(slope.bytes_per_candle, 0.0);
        assert!(!slope.is_leak(1_000_000, 1));
    }

    #[test]
    fn exact_line_is_recovered() {
        let mut fit = SlopeFit::default();
        for i in 0..100u64 {
            fit.add(i * 10, 500 + i * 30);
        }
        let slope = fit.slope();
        assert!((slope.bytes_per_candle - 3.0).abs() < 1e-9);
        assert!(slope.confidence_95 < 1e-6);
        assert!(slope.is_leak(1_000, 2_000));
        assert!(!slope.is_leak(1_000, 4_000));
        assert!((fit.line().1 - 500.0).abs() < 1e-6);
    }

    #[test]
    fn staircase_of_a_slow_drip_is_a_leak() {
        // 48 bytes kept every 1,000 candles, sampled every 997.
        let mut fit = SlopeFit::default();
        for i in 0..1_000u64 {
            let candle = i * 997;
            fit.add(candle, 10_000 + (candle / 1_000) * 48);
        }
        let slope = fit.slope();
        assert!((slope.bytes_per_candle - 0.048).abs() < 0.001, "{slope:?}");
        assert!(slope.is_leak(525_600, 4 * 1024));
    }

    #[test]
    fn too_few_samples_say_nothing() {
        let mut fit = SlopeFit::default();
        fit.add(0, 0);
        fit.add(1, 100);
        assert_eq!(fit.slope().bytes_per_candle, 0.0);
        // A perfect line of 9 samples fits, but is no verdict yet; 10 is.
        let mut fit = SlopeFit::default();
        for i in 0..9u64 {
            fit.add(i, i * 1_000);
        }
        assert_eq!(fit.slope().bytes_per_candle, 1_000.0);
        assert!(!fit.slope().is_leak(1_000, 1));
        fit.add(9, 9_000);
        assert!(fit.slope().is_leak(1_000, 1));
    }

    #[test]
    fn t_quantiles_match_the_table_and_the_normal_limit() {
        assert_eq!(t_975(1), 12.706);
        assert_eq!(t_975(8), 2.306);
        // Published values: t(0.975, 40) = 2.021, 60: 2.000, 120: 1.980.
        for (df, want) in [(40, 2.021), (60, 2.000), (120, 1.980)] {
            assert!((t_975(df) - want).abs() < 1e-3, "df {df}: {}", t_975(df));
        }
        assert!((t_975(1_000_000) - 1.95996).abs() < 1e-4);
        // Continuous across the end of the table.
        assert!((t_975(31) - 2.040).abs() < 1e-3, "{}", t_975(31));
    }

    /// A known slope under noise: over many seeds the 95% band covers the
    /// true slope about 95% of the time, with Student's t at small n.
    #[test]
    fn the_band_covers_the_true_slope_95_percent_of_the_time() {
        for samples in [5u64, 12, 200] {
            let mut covered = 0;
            let trials = 2_000;
            for seed in 0..trials {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let mut fit = SlopeFit::default();
                for i in 0..samples {
                    // Sum of 4 uniforms: near-normal noise, sd ~ 115 bytes.
                    let e: f64 = (0..4).map(|_| noise(&mut rng, 100.0)).sum();
                    fit.add_signed(i * 1_000, (0.25 * (i * 1_000) as f64 + e) as i64);
                }
                let slope = fit.slope();
                if (slope.bytes_per_candle - 0.25).abs() <= slope.confidence_95 {
                    covered += 1;
                }
            }
            let rate = covered as f64 / trials as f64;
            assert!((0.93..=0.97).contains(&rate), "n {samples}: covered {rate}");
        }
    }

    /// 10^9 candles: a soak that long keeps the slope exact to 1e-12 and
    /// finds a leak of one byte per million candles under noise.
    #[test]
    fn a_billion_candle_span_keeps_full_precision() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut fit = SlopeFit::default();
        let every = 1_000_000u64;
        for i in 0..=1_000u64 {
            let candle = 1_000_000_000 + i * every;
            let bytes = 300_000_000 + candle / every + (noise(&mut rng, 0.4)).round() as u64;
            fit.add(candle, bytes);
        }
        let slope = fit.slope();
        assert!((slope.bytes_per_candle - 1e-6).abs() < 1e-9, "{slope:?}");
        assert!(slope.confidence_95 < 1e-7, "{slope:?}");
        assert!(slope.is_leak(10_000_000_000, 4_096));
        // A flat series at the same offsets stays exactly flat.
        let mut flat = SlopeFit::default();
        for i in 0..=1_000u64 {
            flat.add(1_000_000_000 + i * every, 300_000_000);
        }
        assert_eq!(flat.slope().bytes_per_candle, 0.0);
        assert!(!flat.slope().is_leak(u64::MAX, 1));
    }
}
