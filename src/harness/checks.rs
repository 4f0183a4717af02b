//! The checks every driver runs on a bot: bounds, budgets, ceiling, books.

use crate::bot::TradingBot;

use super::budget;
use super::violation::{Invariant, Violation};

/// What a bot may hold: the heap ceiling and each component's budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Limits {
    /// Bytes the bot's allocation group may hold, live or at its peak.
    pub heap_ceiling: u64,
    /// Per-component budgets, in [`crate::bot::COMPONENT_NAMES`] order.
    pub budgets: [u64; 6],
}

impl Limits {
    /// Limits computed from the bot's config: budgets per component and a
    /// ceiling equal to their sum plus the bot's own overhead.
    pub fn for_bot(bot: &TradingBot) -> Limits {
        Limits {
            heap_ceiling: budget::bot_budget(bot.config()),
            budgets: budget::component_budgets(bot.config()),
        }
    }

    /// The same limits with another ceiling.
    pub fn with_ceiling(self, heap_ceiling: u64) -> Limits {
        Limits {
            heap_ceiling,
            ..self
        }
    }
}

fn signed(value: impl TryInto<i64>) -> i64 {
    value.try_into().unwrap_or(i64::MAX)
}

/// Every container holds at most its bound.
pub fn check_bounds(bot: &TradingBot) -> Result<(), Violation> {
    for component in bot.components() {
        if component.len > component.bound {
            return Err(Violation::new(
                Invariant::ContainerBound,
                signed(component.len),
                signed(component.bound),
                "entries",
            )
            .in_component(component.name));
        }
    }
    Ok(())
}

/// Every component's bytes stay within its budget.
pub fn check_budgets(bot: &TradingBot, limits: &Limits) -> Result<(), Violation> {
    for (component, &allowed) in bot.components().iter().zip(&limits.budgets) {
        if component.bytes > allowed {
            return Err(Violation::new(
                Invariant::ComponentBudget,
                signed(component.bytes),
                signed(allowed),
                "bytes",
            )
            .in_component(component.name));
        }
    }
    Ok(())
}

/// The bot's live and peak heap bytes stay under the ceiling.
pub fn check_ceiling(bot: &TradingBot, limits: &Limits) -> Result<(), Violation> {
    let heap = bot.heap();
    let worst = heap.live_bytes.max(heap.peak_bytes);
    if worst > limits.heap_ceiling {
        return Err(Violation::new(
            Invariant::HeapCeiling,
            signed(worst),
            signed(limits.heap_ceiling),
            "bytes",
        )
        .in_component("bot"));
    }
    Ok(())
}

/// The books balance: no negative cash or position, cash plus the open
/// position's cost equals capital plus realized PnL minus fees, and every
/// fill was recorded.
pub fn check_accounting(bot: &TradingBot) -> Result<(), Violation> {
    let books = bot.books();
    if books.cash < 0 {
        return Err(
            Violation::new(Invariant::NegativeCash, books.cash, 0, "cash units")
                .in_component("executor"),
        );
    }
    if books.position < 0 {
        return Err(
            Violation::new(Invariant::NegativePosition, books.position, 0, "lots")
                .in_component("executor"),
        );
    }
    let held = i128::from(books.cash) + i128::from(books.cost_basis);
    let expected = i128::from(books.initial_capital) + i128::from(books.realized_pnl)
        - i128::from(books.fees_paid);
    if held != expected {
        return Err(Violation::new(
            Invariant::BooksDoNotBalance,
            signed(held),
            signed(expected),
            "cash units",
        )
        .in_component("executor"));
    }
    let recorded = bot.history().total_recorded();
    if recorded != books.fills {
        return Err(Violation::new(
            Invariant::FillCountMismatch,
            signed(recorded),
            signed(books.fills),
            "fills",
        )
        .in_component("trade_history"));
    }
    Ok(())
}

/// Right after a candle: the metrics sample it wrote equals cash plus
/// position marked at its close.
pub fn check_equity_sample(bot: &TradingBot) -> Result<(), Violation> {
    let (Some(sample), Some(candle)) = (bot.metrics().back(0), bot.last_candle()) else {
        return Ok(());
    };
    let expected = bot.books().equity(candle.close());
    if sample.equity != expected {
        return Err(Violation::new(
            Invariant::EquityMismatch,
            sample.equity,
            expected,
            "cash units",
        )
        .in_component("metrics"));
    }
    Ok(())
}

/// All state checks: bounds, budgets, ceiling and books.
pub fn check_bot(bot: &TradingBot, limits: &Limits) -> Result<(), Violation> {
    check_bounds(bot)?;
    check_budgets(bot, limits)?;
    check_ceiling(bot, limits)?;
    check_accounting(bot)
}
