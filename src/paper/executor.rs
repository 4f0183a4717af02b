//! Paper executor: fills orders against cash, with fees, and keeps the books.

use std::num::NonZeroUsize;

use serde::Serialize;

use crate::bounded::{Side, Trade, TradeHistory};
use crate::heap::Tracked;

const BPS: i128 = 10_000;

/// Why an order was not filled. Never a panic: the caller decides.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
pub enum OrderError {
    /// The order named another symbol than the executor trades.
    #[error("unknown symbol {got:?}: this executor trades {expected:?}")]
    UnknownSymbol {
        /// The executor's symbol.
        expected: String,
        /// The order's symbol.
        got: String,
    },
    /// Quantity zero or negative.
    #[error("quantity must be positive, got {0}")]
    NonPositiveQuantity(i64),
    /// Price zero or negative.
    #[error("price must be positive, got {0}")]
    NonPositivePrice(i64),
    /// Cost plus fee exceeds cash.
    #[error("insufficient cash: need {needed}, have {available}")]
    InsufficientCash {
        /// Notional plus fee, cash units.
        needed: i64,
        /// Cash, cash units.
        available: i64,
    },
    /// A sell while flat.
    #[error("nothing to sell: no open position")]
    NothingToSell,
    /// The numbers would leave the representable range.
    #[error("order too large to account for exactly")]
    Overflow,
}

/// The executor's books at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Books {
    /// Starting cash.
    pub initial_capital: i64,
    /// Cash now.
    pub cash: i64,
    /// Open position in lots.
    pub position: i64,
    /// What the open position cost, before fees.
    pub cost_basis: i64,
    /// Realized PnL of closed positions, before fees.
    pub realized_pnl: i64,
    /// Fees paid over the executor's life.
    pub fees_paid: i64,
    /// Orders filled (each buy and each sell counts one).
    pub fills: u64,
}

impl Books {
    /// Cash plus the position marked at `price`.
    pub fn equity(&self, price: i64) -> i64 {
        self.cash
            .saturating_add(self.position.saturating_mul(price))
    }

    /// Average entry price of the open position in ticks (rounded down).
    pub fn average_entry(&self) -> Option<i64> {
        (self.position > 0).then(|| self.cost_basis / self.position)
    }
}

/// Buys and sells one symbol on paper.
///
/// ```
/// use heapbound::paper::PaperExecutor;
/// let mut executor = PaperExecutor::new("BTCUSDT", 1_000_000, 10, 100);
/// executor.buy("BTCUSDT", 10, 1_000, 0).unwrap();
/// executor.sell("BTCUSDT", 1_100, 1).unwrap();
/// assert_eq!(executor.books().realized_pnl, 1_000);
/// assert!(executor.sell("BTCUSDT", 1_100, 2).is_err());
/// ```
#[derive(Debug)]
pub struct PaperExecutor {
    symbol: String,
    fee_bps: i128,
    books: Books,
    history: Tracked<TradeHistory>,
}

impl PaperExecutor {
    /// An executor whose trade history is charged to its own allocation
    /// group under the one entered on this thread. A `max_trades` of 0 is
    /// taken as 1.
    pub fn new(symbol: &str, initial_capital: i64, fee_bps: u32, max_trades: usize) -> Self {
        let max_trades = NonZeroUsize::new(max_trades).unwrap_or(NonZeroUsize::MIN);
        let history = Tracked::new(|| TradeHistory::new(max_trades));
        Self::with_history(symbol, initial_capital, fee_bps, history)
    }

    pub(crate) fn with_history(
        symbol: &str,
        initial_capital: i64,
        fee_bps: u32,
        history: Tracked<TradeHistory>,
    ) -> Self {
        PaperExecutor {
            symbol: symbol.to_string(),
            fee_bps: i128::from(fee_bps),
            books: Books {
                initial_capital,
                cash: initial_capital,
                position: 0,
                cost_basis: 0,
                realized_pnl: 0,
                fees_paid: 0,
                fills: 0,
            },
            history,
        }
    }

    fn check_symbol(&self, symbol: &str) -> Result<(), OrderError> {
        if symbol == self.symbol {
            return Ok(());
        }
        Err(OrderError::UnknownSymbol {
            expected: self.symbol.clone(),
            got: symbol.to_string(),
        })
    }

    fn fee(&self, notional: i128) -> i128 {
        notional * self.fee_bps / BPS
    }

    /// The largest quantity cash buys at `price`, fee included.
    pub fn affordable_qty(&self, price: i64) -> i64 {
        if price <= 0 {
            return 0;
        }
        let per_lot_with_fee = i128::from(price) * (BPS + self.fee_bps);
        let qty = i128::from(self.books.cash) * BPS / per_lot_with_fee;
        // Rounding of the fee can still leave the estimate one lot too high.
        let mut qty = i64::try_from(qty).unwrap_or(i64::MAX);
        while qty > 0 && self.cost_with_fee(qty, price) > Some(i128::from(self.books.cash)) {
            qty -= 1;
        }
        qty
    }

    fn cost_with_fee(&self, qty: i64, price: i64) -> Option<i128> {
        let notional = i128::from(qty).checked_mul(i128::from(price))?;
        Some(notional + self.fee(notional))
    }

    /// Buys `qty` lots at `price` ticks.
    pub fn buy(
        &mut self,
        symbol: &str,
        qty: i64,
        price: i64,
        time: i64,
    ) -> Result<Trade, OrderError> {
        self.check_symbol(symbol)?;
        self.buy_own(qty, price, time)
    }

    /// Sells the whole position at `price` ticks.
    pub fn sell(&mut self, symbol: &str, price: i64, time: i64) -> Result<Trade, OrderError> {
        self.check_symbol(symbol)?;
        self.sell_own(price, time)
    }

    /// A buy of the executor's own symbol (the bot's orders skip the check).
    pub(crate) fn buy_own(&mut self, qty: i64, price: i64, time: i64) -> Result<Trade, OrderError> {
        if qty <= 0 {
            return Err(OrderError::NonPositiveQuantity(qty));
        }
        if price <= 0 {
            return Err(OrderError::NonPositivePrice(price));
        }
        let notional = i128::from(qty) * i128::from(price);
        // Fee rates are at most 10%, so a notional above cash can never fill,
        // and checking it first keeps the fee product inside i128.
        let needed = if notional > i128::from(self.books.cash) {
            notional
        } else {
            notional + self.fee(notional)
        };
        let fee = needed - notional;
        if needed > i128::from(self.books.cash) {
            return Err(OrderError::InsufficientCash {
                needed: i64::try_from(needed).unwrap_or(i64::MAX),
                available: self.books.cash,
            });
        }
        // needed <= cash (+ capital), so notional and fee fit in i64.
        let (notional, fee) = (notional as i64, fee as i64);
        let position = self
            .books
            .position
            .checked_add(qty)
            .ok_or(OrderError::Overflow)?;
        let cost_basis = self
            .books
            .cost_basis
            .checked_add(notional)
            .ok_or(OrderError::Overflow)?;
        self.books.cash -= notional + fee;
        self.books.position = position;
        self.books.cost_basis = cost_basis;
        self.books.fees_paid += fee;
        Ok(self.record(Side::Buy, time, price, qty, fee, 0))
    }

    /// A sell of the executor's own symbol.
    pub(crate) fn sell_own(&mut self, price: i64, time: i64) -> Result<Trade, OrderError> {
        if price <= 0 {
            return Err(OrderError::NonPositivePrice(price));
        }
        let qty = self.books.position;
        if qty == 0 {
            return Err(OrderError::NothingToSell);
        }
        let notional =
            i64::try_from(i128::from(qty) * i128::from(price)).map_err(|_| OrderError::Overflow)?;
        let fee = self.fee(i128::from(notional)) as i64;
        let pnl = notional - self.books.cost_basis;
        let cash = self
            .books
            .cash
            .checked_add(notional - fee)
            .ok_or(OrderError::Overflow)?;
        let realized = self
            .books
            .realized_pnl
            .checked_add(pnl)
            .ok_or(OrderError::Overflow)?;
        self.books.cash = cash;
        self.books.realized_pnl = realized;
        self.books.fees_paid += fee;
        self.books.position = 0;
        self.books.cost_basis = 0;
        Ok(self.record(Side::Sell, time, price, qty, fee, pnl))
    }

    fn record(&mut self, side: Side, time: i64, price: i64, qty: i64, fee: i64, pnl: i64) -> Trade {
        self.books.fills += 1;
        let trade = Trade {
            seq: self.books.fills,
            time,
            side,
            price,
            qty,
            fee,
            realized_pnl: pnl,
        };
        self.history.with_mut(|history| history.record(trade));
        trade
    }

    /// Keeps the last `keep` trades; returns how many were dropped.
    pub fn trim_history(&mut self, keep: usize) -> usize {
        self.history.with_mut(|history| history.keep_last(keep))
    }

    /// The books now.
    pub fn books(&self) -> Books {
        self.books
    }

    /// The trade history.
    pub fn history(&self) -> &TradeHistory {
        self.history.get()
    }

    /// The trade history's allocation group.
    pub fn history_group(&self) -> &crate::heap::Group {
        self.history.group()
    }

    /// The traded symbol.
    pub fn symbol(&self) -> &str {
        &self.symbol
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn executor() -> PaperExecutor {
        PaperExecutor::new("BTCUSDT", 1_000_000, 10, 4)
    }

    #[test]
    fn round_trip_books_add_up() {
        let mut ex = executor();
        let buy = ex.buy("BTCUSDT", 100, 5_000, 1).unwrap();
        assert_eq!(buy.fee, 500);
        let books = ex.books();
        assert_eq!(books.cash, 1_000_000 - 500_000 - 500);
        assert_eq!(books.average_entry(), Some(5_000));
        assert_eq!(books.equity(5_000), 999_500);
        let sell = ex.sell("BTCUSDT", 5_500, 2).unwrap();
        assert_eq!((sell.qty, sell.fee, sell.realized_pnl), (100, 550, 50_000));
        let books = ex.books();
        assert_eq!(books.cash, 1_000_000 + 50_000 - 1_050);
        assert_eq!(
            books.cash,
            books.initial_capital + books.realized_pnl - books.fees_paid
        );
        assert_eq!(books.fills, 2);
        assert_eq!(ex.history().len(), 2);
    }

    #[test]
    fn every_order_error_is_typed() {
        let mut ex = executor();
        assert!(matches!(
            ex.buy("ETHUSDT", 1, 1, 0),
            Err(OrderError::UnknownSymbol { .. })
        ));
        assert!(matches!(
            ex.sell("ETHUSDT", 1, 0),
            Err(OrderError::UnknownSymbol { .. })
        ));
        assert_eq!(
            ex.buy("BTCUSDT", 0, 10, 0),
            Err(OrderError::NonPositiveQuantity(0))
        );
        assert_eq!(
            ex.buy("BTCUSDT", -3, 10, 0),
            Err(OrderError::NonPositiveQuantity(-3))
        );
        assert_eq!(
            ex.buy("BTCUSDT", 1, 0, 0),
            Err(OrderError::NonPositivePrice(0))
        );
        assert_eq!(ex.sell("BTCUSDT", 10, 0), Err(OrderError::NothingToSell));
        assert_eq!(
            ex.buy("BTCUSDT", 1_000, 1_000, 0),
            Err(OrderError::InsufficientCash {
                needed: 1_001_000,
                available: 1_000_000
            })
        );
        ex.buy("BTCUSDT", 1, 10, 0).unwrap();
        assert_eq!(
            ex.sell("BTCUSDT", -1, 0),
            Err(OrderError::NonPositivePrice(-1))
        );
        assert!(matches!(
            ex.buy("BTCUSDT", i64::MAX, i64::MAX, 0),
            Err(OrderError::InsufficientCash { .. })
        ));
        // Rejections leave the books untouched.
        assert_eq!(ex.books().fills, 1);
    }

    #[test]
    fn affordable_quantity_is_the_largest_that_fills() {
        let ex = executor();
        let qty = ex.affordable_qty(999);
        assert!(qty > 0);
        let mut probe = executor();
        assert!(probe.buy("BTCUSDT", qty, 999, 0).is_ok());
        let mut probe = executor();
        assert!(probe.buy("BTCUSDT", qty + 1, 999, 0).is_err());
        assert_eq!(ex.affordable_qty(0), 0);
    }

    #[test]
    fn history_keeps_only_max_trades() {
        let mut ex = executor();
        for i in 0..10 {
            ex.buy("BTCUSDT", 1, 100, i).unwrap();
            ex.sell("BTCUSDT", 101, i).unwrap();
        }
        assert_eq!(ex.history().len(), 4);
        assert_eq!(ex.history().total_recorded(), 20);
        assert_eq!(ex.trim_history(1), 3);
    }
}
