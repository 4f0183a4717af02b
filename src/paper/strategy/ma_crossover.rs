//! Simple moving-average crossover.

use std::cmp::Ordering;

use crate::bounded::RingBuffer;
use crate::market::Candle;

use super::{Signal, Strategy};

/// Fast/slow simple moving averages of the close, kept as running sums.
///
/// Semantics, exactly: once both averages are defined, `Buy` when
/// fast > slow and on the previous candle fast <= slow; `Sell` when
/// fast < slow and on the previous candle fast >= slow. The averages are
/// compared as exact fractions (`fast_sum * slow` vs `slow_sum * fast`).
#[derive(Clone, Debug)]
pub struct MaCrossover {
    fast: usize,
    slow: usize,
    fast_sum: i128,
    slow_sum: i128,
    seen: usize,
    previous: Option<Ordering>,
}

impl MaCrossover {
    /// A crossover of periods `fast < slow`; the window must hold `slow + 1`.
    pub fn new(fast: usize, slow: usize) -> MaCrossover {
        MaCrossover {
            fast,
            slow,
            fast_sum: 0,
            slow_sum: 0,
            seen: 0,
            previous: None,
        }
    }

    /// The averages' relation on the last candle, once both are defined.
    pub fn relation(&self) -> Option<Ordering> {
        self.previous
    }
}

impl Strategy for MaCrossover {
    fn name(&self) -> &'static str {
        "ma-crossover"
    }

    #[inline]
    fn on_candle(&mut self, window: &RingBuffer<Candle>) -> Signal {
        let Some(newest) = window.back(0) else {
            return Signal::Hold;
        };
        let close = i128::from(newest.close());
        self.seen += 1;
        self.fast_sum += close;
        self.slow_sum += close;
        if self.seen > self.fast {
            if let Some(leaving) = window.back(self.fast) {
                self.fast_sum -= i128::from(leaving.close());
            }
        }
        if self.seen > self.slow {
            if let Some(leaving) = window.back(self.slow) {
                self.slow_sum -= i128::from(leaving.close());
            }
        }
        if self.seen < self.slow {
            return Signal::Hold;
        }
        // fast_sum / fast against slow_sum / slow, without division.
        let relation =
            (self.fast_sum * self.slow as i128).cmp(&(self.slow_sum * self.fast as i128));
        let previous = self.previous.replace(relation);
        match (previous, relation) {
            (Some(Ordering::Less | Ordering::Equal), Ordering::Greater) => Signal::Buy,
            (Some(Ordering::Greater | Ordering::Equal), Ordering::Less) => Signal::Sell,
            _ => Signal::Hold,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroUsize;

    fn run(closes: &[i64], fast: usize, slow: usize) -> Vec<Signal> {
        let mut window = RingBuffer::new(NonZeroUsize::new(slow + 1).unwrap());
        let mut strategy = MaCrossover::new(fast, slow);
        closes
            .iter()
            .enumerate()
            .map(|(i, &close)| {
                window.push(Candle::new(i as i64, close, close, close, close, 0).unwrap());
                strategy.on_candle(&window)
            })
            .collect()
    }

    /// Reference: recompute both averages over the whole history each candle.
    fn reference(closes: &[i64], fast: usize, slow: usize) -> Vec<Signal> {
        let mut previous: Option<Ordering> = None;
        (0..closes.len())
            .map(|i| {
                if i + 1 < slow {
                    return Signal::Hold;
                }
                let fast_sum: i128 = closes[i + 1 - fast..=i].iter().map(|&c| c as i128).sum();
                let slow_sum: i128 = closes[i + 1 - slow..=i].iter().map(|&c| c as i128).sum();
                let relation = (fast_sum * slow as i128).cmp(&(slow_sum * fast as i128));
                let signal = match (previous, relation) {
                    (Some(Ordering::Less | Ordering::Equal), Ordering::Greater) => Signal::Buy,
                    (Some(Ordering::Greater | Ordering::Equal), Ordering::Less) => Signal::Sell,
                    _ => Signal::Hold,
                };
                previous = Some(relation);
                signal
            })
            .collect()
    }

    #[test]
    fn buys_on_the_upward_cross_and_sells_on_the_downward_cross() {
        let closes = [10, 10, 10, 10, 12, 14, 14, 10, 8, 8];
        let signals = run(&closes, 2, 4);
        assert_eq!(signals[4], Signal::Buy, "{signals:?}");
        assert_eq!(signals.iter().filter(|s| **s == Signal::Buy).count(), 1);
        let sell = signals.iter().position(|s| *s == Signal::Sell).unwrap();
        assert_eq!(sell, 7, "{signals:?}");
    }

    #[test]
    fn equal_averages_count_as_not_above() {
        // Flat, then rising: the first candle with fast > slow buys because
        // the previous candle had fast == slow.
        let signals = run(&[5, 5, 5, 6], 1, 3);
        assert_eq!(
            signals,
            vec![Signal::Hold, Signal::Hold, Signal::Hold, Signal::Buy]
        );
    }

    #[test]
    fn running_sums_match_full_recomputation() {
        let closes: Vec<i64> = crate::market::CandleGenerator::new(7)
            .take(5_000)
            .map(|c| c.close())
            .collect();
        for (fast, slow) in [(1, 2), (3, 8), (10, 30), (20, 21)] {
            assert_eq!(run(&closes, fast, slow), reference(&closes, fast, slow));
        }
    }
}
