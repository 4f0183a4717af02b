//! Least-squares growth slope of live bytes over candles, with a 95% band.

use serde::Serialize;

/// Samples (candle index, live bytes) and fits a line through them.
#[derive(Clone, Debug, Default)]
pub struct SlopeFit {
    n: f64,
    sum_x: f64,
    sum_y: f64,
    sum_xx: f64,
    sum_xy: f64,
    sum_yy: f64,
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

impl SlopeFit {
    /// Adds one sample. Sums are kept incrementally so a soak of any length
    /// fits in constant memory.
    pub fn add(&mut self, candle: u64, bytes: u64) {
        self.add_signed(candle, bytes as i64);
    }

    /// Adds a sample whose value may be negative (a cumulative change).
    pub fn add_signed(&mut self, candle: u64, bytes: i64) {
        let (x, y) = (candle as f64, bytes as f64);
        self.n += 1.0;
        self.sum_x += x;
        self.sum_y += y;
        self.sum_xx += x * x;
        self.sum_xy += x * y;
        self.sum_yy += y * y;
    }

    /// The fitted slope; zero with fewer than three samples.
    pub fn slope(&self) -> Slope {
        let n = self.n;
        if n < 3.0 {
            return Slope {
                samples: n as u64,
                ..Slope::default()
            };
        }
        let sxx = self.sum_xx - self.sum_x * self.sum_x / n;
        let sxy = self.sum_xy - self.sum_x * self.sum_y / n;
        let syy = self.sum_yy - self.sum_y * self.sum_y / n;
        if sxx <= 0.0 {
            return Slope {
                samples: n as u64,
                ..Slope::default()
            };
        }
        // `+ 0.0` turns a -0.0 from an all-flat series into 0.0 for display.
        let slope = sxy / sxx + 0.0;
        let residual = (syy - slope * sxy).max(0.0);
        let standard_error = (residual / (n - 2.0) / sxx).sqrt();
        Slope {
            bytes_per_candle: slope,
            // Normal approximation: samples are in the hundreds.
            confidence_95: 1.96 * standard_error,
            samples: n as u64,
        }
    }
}

impl SlopeFit {
    /// The fitted line as (slope, intercept), for drawing.
    pub fn line(&self) -> (f64, f64) {
        let slope = self.slope().bytes_per_candle;
        if self.n == 0.0 {
            return (0.0, 0.0);
        }
        (slope, (self.sum_y - slope * self.sum_x) / self.n)
    }
}

impl Slope {
    /// Bytes the slope adds over `horizon` candles.
    pub fn projected_bytes(&self, horizon: u64) -> f64 {
        self.bytes_per_candle * horizon as f64
    }

    /// Whether the growth is both real (the band excludes zero) and large
    /// enough to pass `budget` bytes within `horizon` candles.
    pub fn is_leak(&self, horizon: u64, budget: u64) -> bool {
        let lower = self.bytes_per_candle - self.confidence_95;
        lower > 0.0 && self.projected_bytes(horizon) > budget as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
