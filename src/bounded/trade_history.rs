//! The executor's trade log, keeping the last `max_trades` fills.

use std::collections::VecDeque;
use std::num::NonZeroUsize;

use serde::Serialize;

/// Buy or sell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Opened or added to the position.
    Buy,
    /// Closed the position.
    Sell,
}

/// One fill. Plain data of fixed size: recording a trade never allocates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Trade {
    /// Fill number over the executor's life, from 1.
    pub seq: u64,
    /// Open time of the candle it filled on (ms), or 0 for direct orders.
    pub time: i64,
    /// Buy or sell.
    pub side: Side,
    /// Fill price in ticks.
    pub price: i64,
    /// Quantity in lots.
    pub qty: i64,
    /// Fee paid, in cash units (tick x lot).
    pub fee: i64,
    /// Realized PnL of a sell before fees, in cash units; 0 for buys.
    pub realized_pnl: i64,
}

/// The last `max_trades` trades. Storage for all of them is reserved at
/// construction, so the history's bytes are fixed for its whole life.
///
/// ```
/// use heapbound::bounded::{Side, Trade, TradeHistory};
/// use std::num::NonZeroUsize;
/// let mut history = TradeHistory::new(NonZeroUsize::new(2).unwrap());
/// for seq in 1..=3 {
///     history.record(Trade { seq, time: 0, side: Side::Buy, price: 100, qty: 1, fee: 0, realized_pnl: 0 });
/// }
/// assert_eq!(history.len(), 2);
/// assert_eq!(history.recent(1).next().map(|t| t.seq), Some(3));
/// ```
#[derive(Clone, Debug)]
pub struct TradeHistory {
    trades: VecDeque<Trade>,
    max_trades: usize,
    recorded: u64,
}

impl TradeHistory {
    /// An empty history keeping at most `max_trades`.
    pub fn new(max_trades: NonZeroUsize) -> TradeHistory {
        TradeHistory {
            trades: VecDeque::with_capacity(max_trades.get()),
            max_trades: max_trades.get(),
            recorded: 0,
        }
    }

    /// Appends `trade`, dropping the oldest when full.
    pub fn record(&mut self, trade: Trade) {
        if self.trades.len() >= self.max_trades {
            self.trades.pop_front();
        }
        self.trades.push_back(trade);
        self.recorded += 1;
    }

    /// Keeps only the last `keep` trades; returns how many were dropped.
    pub fn keep_last(&mut self, keep: usize) -> usize {
        let drop_count = self.trades.len().saturating_sub(keep);
        self.trades.drain(..drop_count);
        drop_count
    }

    /// The `n` newest trades, newest first.
    pub fn recent(&self, n: usize) -> impl Iterator<Item = &Trade> + '_ {
        self.trades.iter().rev().take(n)
    }

    /// All kept trades, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Trade> + '_ {
        self.trades.iter()
    }

    /// Trades kept.
    pub fn len(&self) -> usize {
        self.trades.len()
    }

    /// Whether none are kept.
    pub fn is_empty(&self) -> bool {
        self.trades.is_empty()
    }

    /// The most it keeps.
    pub fn bound(&self) -> usize {
        self.max_trades
    }

    /// Trades recorded over its life, including dropped ones.
    pub fn total_recorded(&self) -> u64 {
        self.recorded
    }

    /// Bytes one kept trade costs.
    pub const fn record_bytes() -> usize {
        std::mem::size_of::<Trade>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade(seq: u64) -> Trade {
        Trade {
            seq,
            time: seq as i64,
            side: Side::Buy,
            price: 100,
            qty: 1,
            fee: 0,
            realized_pnl: 0,
        }
    }

    #[test]
    fn keeps_only_the_newest_max_trades() {
        let mut history = TradeHistory::new(NonZeroUsize::new(3).unwrap());
        for seq in 1..=10 {
            history.record(trade(seq));
            assert!(history.len() <= 3);
        }
        let kept: Vec<u64> = history.iter().map(|t| t.seq).collect();
        assert_eq!(kept, vec![8, 9, 10]);
        assert_eq!(history.total_recorded(), 10);
        assert_eq!(history.bound(), 3);
    }

    #[test]
    fn keep_last_trims_the_oldest() {
        let mut history = TradeHistory::new(NonZeroUsize::new(10).unwrap());
        for seq in 1..=6 {
            history.record(trade(seq));
        }
        assert_eq!(history.keep_last(2), 4);
        assert_eq!(
            history.recent(5).map(|t| t.seq).collect::<Vec<_>>(),
            vec![6, 5]
        );
        assert_eq!(history.keep_last(5), 0);
    }

    #[test]
    fn storage_is_reserved_once() {
        let mut history = TradeHistory::new(NonZeroUsize::new(16).unwrap());
        let capacity = history.trades.capacity();
        for seq in 0..1000 {
            history.record(trade(seq));
        }
        assert_eq!(history.trades.capacity(), capacity);
    }
}
