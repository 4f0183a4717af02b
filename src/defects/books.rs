//! Accounting defects of the paper bot, as a wrapper: the bot runs
//! correctly, and the wrapper shows its invariants (and its trade history's
//! bound) the state each defect would leave, derived from the real fills.
//! Each is what a real bug in an executor looks like from outside.

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};

use crate::bot::{Activity, Bot, CandleOutcome, Component, ConfigError, MarketView};
use crate::bounded::Side;
use crate::market::Candle;
use crate::paper::{invariants, Accounts, Books, BotConfig, PaperAction, PaperBot};
use crate::violation::Violation;

/// A deliberate bug in the paper bot's accounting.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Arbitrary,
)]
#[serde(rename_all = "kebab-case")]
pub enum BooksDefect {
    /// Fees are recorded but never taken from cash.
    #[default]
    FeeNotPaid,
    /// A buy overdraws cash by the starting capital.
    Overdraft,
    /// A sell flips the position short instead of closing it.
    Oversell,
    /// One fill never reaches the trade history.
    UnrecordedFill,
    /// The metrics sample is taken before the candle's fill.
    StaleEquitySample,
    /// The trade history keeps every fill, ignoring its bound.
    UnboundedHistory,
}

impl BooksDefect {
    /// Every defect.
    pub const ALL: [BooksDefect; 6] = [
        BooksDefect::FeeNotPaid,
        BooksDefect::Overdraft,
        BooksDefect::Oversell,
        BooksDefect::UnrecordedFill,
        BooksDefect::StaleEquitySample,
        BooksDefect::UnboundedHistory,
    ];
}

/// The config of a [`Misbooked`] bot.
#[derive(Clone, Debug, Default, Serialize, Deserialize, Arbitrary)]
pub struct MisbookedConfig {
    /// The paper bot's config.
    pub bot: BotConfig,
    /// The defect.
    pub defect: BooksDefect,
}

/// The paper bot with an accounting defect.
pub struct Misbooked {
    bot: PaperBot,
    defect: BooksDefect,
    /// The books before the last candle's fill: what a sample taken too
    /// early records.
    books_before_candle: Option<Books>,
}

impl Misbooked {
    /// The accounts as the defect leaves them.
    fn accounts(&self) -> Accounts {
        let mut accounts = self.bot.accounts();
        let books = &mut accounts.books;
        let last = self.bot.history().recent(1).next().copied();
        match self.defect {
            BooksDefect::FeeNotPaid => books.cash += books.fees_paid,
            BooksDefect::Overdraft if books.fills > 0 => books.cash -= books.initial_capital,
            BooksDefect::Oversell => {
                if let Some(trade) = last.filter(|trade| trade.side == Side::Sell) {
                    books.position -= trade.qty;
                }
            }
            BooksDefect::UnrecordedFill => {
                accounts.recorded_fills = accounts.recorded_fills.saturating_sub(1)
            }
            BooksDefect::StaleEquitySample => {
                if let (Some(sample), Some(before), Some(close)) = (
                    accounts.last_sample.as_mut(),
                    self.books_before_candle,
                    accounts.last_close,
                ) {
                    sample.equity = before.equity(close);
                }
            }
            _ => {}
        }
        accounts
    }
}

impl Bot for Misbooked {
    type Config = MisbookedConfig;
    type Action = PaperAction;
    const NAME: &'static str = "paper";

    fn build(config: &MisbookedConfig) -> Result<Self, ConfigError> {
        Ok(Misbooked {
            bot: PaperBot::new(config.bot.clone())?,
            defect: config.defect,
            books_before_candle: None,
        })
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        self.books_before_candle = Some(self.bot.books());
        self.bot.on_candle(candle)
    }

    fn apply(&mut self, action: &PaperAction, market: &MarketView) {
        self.bot.apply(action, market);
    }

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        let unbounded = self.defect == BooksDefect::UnboundedHistory;
        let recorded = self.bot.history().total_recorded();
        self.bot.components(&mut |component| {
            if unbounded && component.name == "trade_history" {
                visit(component.entries(recorded as usize, component.bound));
            } else {
                visit(component);
            }
        });
    }

    fn check(&self, after_candle: bool) -> Result<(), Violation> {
        invariants::check_accounts(&self.accounts(), after_candle)
    }

    fn activity(&self) -> Activity {
        self.bot.activity()
    }

    fn describe(&self) -> &str {
        self.bot.describe()
    }
}

impl std::fmt::Debug for Misbooked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Misbooked")
            .field("defect", &self.defect)
            .finish_non_exhaustive()
    }
}
