//! A component's length over the recent samples, and whether its growth
//! is kept and real enough to project.

use std::collections::VecDeque;

use crate::leak::{kept_growth, segment_floors, SlopeFit, MIN_SAMPLES_FOR_VERDICT};

/// The last `capacity` (event, length) samples of one component.
#[derive(Debug)]
pub(crate) struct LengthTrend {
    window: VecDeque<(u64, f64)>,
    /// The longest it was before the window (samples the window dropped).
    longest_before: f64,
    capacity: usize,
    events: Vec<u64>,
    lens: Vec<f64>,
}

impl LengthTrend {
    pub(crate) fn new(capacity: usize) -> LengthTrend {
        let capacity = capacity.max(16);
        LengthTrend {
            window: VecDeque::with_capacity(capacity),
            longest_before: 0.0,
            capacity,
            events: Vec::with_capacity(capacity),
            lens: Vec::with_capacity(capacity),
        }
    }

    pub(crate) fn push(&mut self, event: u64, len: usize) {
        if self.window.len() == self.capacity {
            if let Some((_, dropped)) = self.window.pop_front() {
                self.longest_before = self.longest_before.max(dropped);
            }
        }
        self.window.push_back((event, len as f64));
    }

    /// Entries per event, when the growth over the window is kept (the
    /// floors of its eighths never fall and rose at least three times,
    /// the growth model's rule) and real (the slope's 95% band excludes
    /// zero); `None` otherwise, or with too few samples.
    pub(crate) fn kept_rate(&mut self) -> Option<f64> {
        if (self.window.len() as u64) < MIN_SAMPLES_FOR_VERDICT.max(16) {
            return None;
        }
        self.events.clear();
        self.lens.clear();
        let mut fit = SlopeFit::default();
        for &(event, len) in &self.window {
            self.events.push(event);
            self.lens.push(len);
            fit.add_point(event as f64, len);
        }
        let (kept, _, _) = kept_growth(&segment_floors(&self.events, &self.lens));
        let slope = fit.slope();
        let real = slope.bytes_per_candle - slope.confidence_95 > 0.0;
        // A length back at a level it held before (a correct order book
        // filling again as the market turns) sets no new high.
        let new_high = self.lens.iter().copied().fold(0.0, f64::max) > self.longest_before;
        (kept && real && new_high && !self.levelling_off(slope.bytes_per_candle))
            .then_some(slope.bytes_per_candle)
    }

    /// Whether the recent half of the window grows at less than half the
    /// whole window's rate: a container settling at the level its logic
    /// holds it to (a correct bot's order book when the market calms),
    /// not one that keeps going.
    fn levelling_off(&self, rate: f64) -> bool {
        let half = self.events.len() / 2;
        let mut recent = SlopeFit::default();
        for (&event, &len) in self.events[half..].iter().zip(&self.lens[half..]) {
            recent.add_point(event as f64, len);
        }
        recent.slope().bytes_per_candle < rate / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_growth_is_kept_and_a_level_or_a_sawtooth_is_not() {
        let mut growing = LengthTrend::new(64);
        let mut level = LengthTrend::new(64);
        let mut sawtooth = LengthTrend::new(64);
        for i in 0..64u64 {
            growing.push(i * 16, 8 + (i / 2) as usize);
            level.push(i * 16, 8 + (i * 7_919 % 3) as usize);
            sawtooth.push(i * 16, (i % 10) as usize * 5);
        }
        let rate = growing.kept_rate().expect("kept");
        assert!((rate - 1.0 / 32.0).abs() < 0.005, "{rate}");
        assert_eq!(level.kept_rate(), None);
        assert_eq!(sawtooth.kept_rate(), None);
    }

    #[test]
    fn a_length_settling_at_its_level_is_not_projected() {
        // Rises fast, then flattens toward 132 (of a bound of 136).
        let mut settling = LengthTrend::new(128);
        for i in 0..128u64 {
            settling.push(
                i * 64,
                (132.0 * (1.0 - (-(i as f64) / 24.0).exp())) as usize,
            );
        }
        assert_eq!(settling.kept_rate(), None);
    }

    #[test]
    fn a_length_back_at_an_earlier_level_is_not_projected() {
        // Up to 120 in a volatile stretch, down, then rising again to 118.
        let mut trend = LengthTrend::new(64);
        for i in 0..64u64 {
            trend.push(i, 120);
        }
        for i in 64..128u64 {
            trend.push(i * 16, 60 + ((i - 64) * 58 / 63) as usize);
        }
        assert_eq!(trend.kept_rate(), None);
        // The same rise to new highs is projected.
        let mut fresh = LengthTrend::new(64);
        for i in 64..128u64 {
            fresh.push(i * 16, 60 + ((i - 64) * 58 / 63) as usize);
        }
        assert!(fresh.kept_rate().is_some());
    }

    #[test]
    fn too_few_samples_project_nothing() {
        let mut trend = LengthTrend::new(64);
        for i in 0..8u64 {
            trend.push(i, i as usize);
        }
        assert_eq!(trend.kept_rate(), None);
    }
}
