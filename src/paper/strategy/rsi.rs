//! Relative strength index (Cutler's: simple sums of gains and losses).

use crate::bounded::RingBuffer;
use crate::market::Candle;

use super::{Signal, Strategy};

/// RSI over the last `period` close-to-close changes, kept as running sums.
/// `Buy` while RSI < `oversold`, `Sell` while RSI > `overbought`, compared
/// exactly as `100 * gains` against `threshold * (gains + losses)`.
#[derive(Clone, Debug)]
pub struct Rsi {
    period: usize,
    oversold: i128,
    overbought: i128,
    gains: i128,
    losses: i128,
    changes: usize,
}

impl Rsi {
    /// An RSI strategy; the window must hold `period + 2` candles.
    pub fn new(period: usize, oversold: u8, overbought: u8) -> Rsi {
        Rsi {
            period,
            oversold: i128::from(oversold),
            overbought: i128::from(overbought),
            gains: 0,
            losses: 0,
            changes: 0,
        }
    }

    fn add_change(&mut self, change: i64, sign: i128) {
        if change > 0 {
            self.gains += sign * i128::from(change);
        } else {
            self.losses -= sign * i128::from(change);
        }
    }
}

fn change(window: &RingBuffer<Candle>, age: usize) -> Option<i64> {
    Some(window.back(age)?.close() - window.back(age + 1)?.close())
}

impl Strategy for Rsi {
    fn name(&self) -> &'static str {
        "rsi"
    }

    #[inline]
    fn on_candle(&mut self, window: &RingBuffer<Candle>) -> Signal {
        let Some(newest) = change(window, 0) else {
            return Signal::Hold;
        };
        self.add_change(newest, 1);
        self.changes += 1;
        if self.changes > self.period {
            if let Some(leaving) = change(window, self.period) {
                self.add_change(leaving, -1);
            }
        }
        if self.changes < self.period {
            return Signal::Hold;
        }
        let total = self.gains + self.losses;
        if total == 0 {
            return Signal::Hold;
        }
        let scaled_gains = 100 * self.gains;
        if scaled_gains < self.oversold * total {
            Signal::Buy
        } else if scaled_gains > self.overbought * total {
            Signal::Sell
        } else {
            Signal::Hold
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroUsize;

    fn signals(closes: &[i64], period: usize) -> Vec<Signal> {
        let mut window = RingBuffer::new(NonZeroUsize::new(period + 2).unwrap());
        let mut rsi = Rsi::new(period, 30, 70);
        closes
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                window.push(Candle::new(i as i64, c, c, c, c, 0).unwrap());
                rsi.on_candle(&window)
            })
            .collect()
    }

    #[test]
    fn falling_market_is_oversold_and_rising_is_overbought() {
        let falling = signals(&[100, 99, 98, 97, 96, 95], 3);
        assert_eq!(falling[3], Signal::Buy);
        assert_eq!(falling[..3], [Signal::Hold; 3]);
        let rising = signals(&[100, 101, 102, 103, 104], 3);
        assert_eq!(rising[3], Signal::Sell);
    }

    #[test]
    fn running_sums_forget_old_changes() {
        // Three falls then three rises over period 3: the falls have left.
        let s = signals(&[100, 99, 98, 97, 98, 99, 100], 3);
        assert_eq!(s[6], Signal::Sell);
        assert_eq!(s[3], Signal::Buy);
    }
}
