//! [`DoubleFillGridBot`]: the grid bot behind an order-book adapter with a
//! real-world bug: a fill reported twice in a row for the same level (an
//! exchange that repeats a fill after a reconnect) averages the fill price
//! over a remaining quantity of zero and panics, as barter's engine does on
//! two zero-quantity fills. heapbound reports the panic as a `bot-panic`
//! finding with its message and location, and the input that reaches it
//! replays.

use heapbound::{
    Activity, Bot, Candle, CandleOutcome, Component, ConfigError, MarketView, Violation,
};

use crate::{GoodGridBot, GridAction, GridConfig};

/// The grid bot with the double-fill bug in its adapter.
pub struct DoubleFillGridBot {
    bot: GoodGridBot,
    /// The level of the previous action when it was a fill.
    last_fill: Option<u8>,
    /// Quantity left of the order at `last_fill` (0 after it filled).
    remaining: i64,
    /// Notional filled at that level, for the average price.
    notional: i64,
}

impl Bot for DoubleFillGridBot {
    type Config = GridConfig;
    type Action = GridAction;
    const NAME: &'static str = "double-fill-grid";

    fn build(config: &GridConfig) -> Result<Self, ConfigError> {
        Ok(DoubleFillGridBot {
            bot: GoodGridBot::build(config)?,
            last_fill: None,
            remaining: 0,
            notional: 0,
        })
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        self.bot.on_candle(candle)
    }

    fn apply(&mut self, action: &GridAction, market: &MarketView) {
        if let GridAction::Fill { level } = *action {
            if self.last_fill == Some(level) {
                // The bug: the repeated fill has nothing left to fill.
                let average_price = self.notional / self.remaining;
                self.notional = average_price;
            } else {
                self.remaining = 0;
                self.notional = market.last_close;
            }
            self.last_fill = Some(level);
        } else {
            self.last_fill = None;
        }
        self.bot.apply(action, market);
    }

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        self.bot.components(visit);
    }

    fn check(&self, after_candle: bool) -> Result<(), Violation> {
        self.bot.check(after_candle)
    }

    fn activity(&self) -> Activity {
        self.bot.activity()
    }
}
