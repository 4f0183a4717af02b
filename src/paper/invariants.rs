//! The paper bot's own invariants: its books balance, every fill is
//! recorded, and the equity sample a candle wrote is right.

use crate::violation::Violation;

use super::executor::Books;
use super::paper_bot::MetricSample;

/// What the invariants read: a view of the bot's accounts. Kept apart from
/// the bot so a defect wrapper can show the checks the state a defect
/// would leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accounts {
    /// The executor's books.
    pub books: Books,
    /// Fills the trade history has recorded over its life.
    pub recorded_fills: u64,
    /// The newest metrics sample, if any.
    pub last_sample: Option<MetricSample>,
    /// Close of the last candle, if any.
    pub last_close: Option<i64>,
}

fn signed(value: impl TryInto<i64>) -> i64 {
    value.try_into().unwrap_or(i64::MAX)
}

/// No negative cash or position, cash plus the open position's cost equals
/// capital plus realized PnL minus fees, and every fill was recorded.
pub fn check_books(accounts: &Accounts) -> Result<(), Violation> {
    let books = accounts.books;
    if books.cash < 0 {
        return Err(
            Violation::domain("negative-cash", books.cash, 0, "cash units")
                .in_component("executor"),
        );
    }
    if books.position < 0 {
        return Err(
            Violation::domain("negative-position", books.position, 0, "lots")
                .in_component("executor"),
        );
    }
    let held = i128::from(books.cash) + i128::from(books.cost_basis);
    let expected = i128::from(books.initial_capital) + i128::from(books.realized_pnl)
        - i128::from(books.fees_paid);
    if held != expected {
        return Err(Violation::domain(
            "books-do-not-balance",
            signed(held),
            signed(expected),
            "cash units",
        )
        .in_component("executor"));
    }
    if accounts.recorded_fills != books.fills {
        return Err(Violation::domain(
            "fill-count-mismatch",
            signed(accounts.recorded_fills),
            signed(books.fills),
            "fills",
        )
        .in_component("trade_history"));
    }
    Ok(())
}

/// Right after a candle: the metrics sample it wrote equals cash plus
/// position marked at its close.
pub fn check_equity_sample(accounts: &Accounts) -> Result<(), Violation> {
    let (Some(sample), Some(close)) = (accounts.last_sample, accounts.last_close) else {
        return Ok(());
    };
    let expected = accounts.books.equity(close);
    if sample.equity != expected {
        return Err(
            Violation::domain("equity-mismatch", sample.equity, expected, "cash units")
                .in_component("metrics"),
        );
    }
    Ok(())
}

/// Both, the equity sample only right after a candle.
pub fn check_accounts(accounts: &Accounts, after_candle: bool) -> Result<(), Violation> {
    check_books(accounts)?;
    if after_candle {
        check_equity_sample(accounts)?;
    }
    Ok(())
}
