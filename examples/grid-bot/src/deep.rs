//! [`DeepGridBot`]: the grid bot behind an exchange adapter that tracks
//! cancels in flight and market-data subscriptions, with deep defects:
//! leaks reachable only through a specific order of events. Correct
//! without a defect; its invariants catch a dangling record at its first
//! occurrence (`heapbound::defects` has the paper bot's).

use arbitrary::Arbitrary;
use heapbound::heap::Tracked;
use heapbound::{
    Activity, Bot, Candle, CandleOutcome, Component, ConfigError, MarketView, Violation,
};
use serde::{Deserialize, Serialize};

use crate::{GoodGridBot, GridAction, GridConfig};

/// A leak on one rare path of the grid bot's exchange adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Arbitrary)]
#[serde(rename_all = "kebab-case")]
pub enum GridDeepDefect {
    /// A fill that arrives for an order whose cancel is still in flight
    /// (before the next candle confirms it) is kept as a late fill for an
    /// order that no longer exists (`Cancel l`, `Fill l`).
    FillAfterCancel,
    /// Switching back to a pair for the third time leaves the pair it
    /// switched away from subscribed (`SwitchPair a`, `b`, `a`, `b`, `a`,
    /// `b`, `a`).
    ThirdReturn,
}

impl GridDeepDefect {
    /// Every deep defect of the grid adapter.
    pub const ALL: [GridDeepDefect; 2] =
        [GridDeepDefect::FillAfterCancel, GridDeepDefect::ThirdReturn];

    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            GridDeepDefect::FillAfterCancel => "fill-after-cancel",
            GridDeepDefect::ThirdReturn => "third-return",
        }
    }

    /// The defect named `name`.
    pub fn from_name(name: &str) -> Option<GridDeepDefect> {
        GridDeepDefect::ALL
            .into_iter()
            .find(|defect| defect.name() == name)
    }
}

/// The config of a [`DeepGridBot`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Arbitrary)]
#[serde(default)]
pub struct DeepGridConfig {
    /// The grid bot's config.
    pub grid: GridConfig,
    /// The defect planted, if any (`None`: a correct adapter).
    pub defect: Option<GridDeepDefect>,
}

/// The grid bot behind an adapter that remembers cancels until the next
/// candle confirms them, and subscribes to the traded pair's market data.
pub struct DeepGridBot {
    bot: GoodGridBot,
    defect: Option<GridDeepDefect>,
    /// `(level, order id)` of cancels the exchange has not confirmed.
    cancelling: Tracked<Vec<(usize, u64)>>,
    /// Fills kept for an order the bot no longer has: never, when correct.
    late_fills: Tracked<Vec<u64>>,
    /// Pairs whose market data the adapter receives: the traded one.
    subscriptions: Tracked<Vec<u8>>,
    /// `(pair, times switched back to it)`.
    returns: Tracked<Vec<(u8, u32)>>,
}

impl DeepGridBot {
    fn planted(&self, defect: GridDeepDefect) -> bool {
        self.defect == Some(defect)
    }

    fn level(&self, level: u8) -> usize {
        usize::from(level) % self.bot.config.levels
    }

    fn order_at(&self, level: usize) -> Option<u64> {
        self.bot.levels.get().get(level).copied().flatten()
    }

    fn cancel(&mut self, level: usize) {
        let Some(id) = self.order_at(level) else {
            return;
        };
        let cap = self.bot.config.levels;
        self.cancelling.with_mut(|cancelling| {
            if cancelling.len() == cap {
                cancelling.remove(0);
            }
            cancelling.push((level, id));
        });
    }

    fn fill(&mut self, level: usize) {
        if self.order_at(level).is_some() {
            return; // the bot fills its live order
        }
        let Some(at) = (self.cancelling.get().iter()).position(|(l, _)| *l == level) else {
            return;
        };
        // The exchange filled the order before it saw the cancel.
        let (_, id) = self.cancelling.with_mut(|cancelling| cancelling.remove(at));
        if self.planted(GridDeepDefect::FillAfterCancel) {
            self.late_fills.with_mut(|late| late.push(id));
        }
    }

    fn switch(&mut self, from: u8) {
        let to = self.bot.pair;
        if to == from {
            return;
        }
        let returned = self.returns.with_mut(|returns| {
            match returns.iter_mut().find(|(pair, _)| *pair == to) {
                Some((_, count)) => {
                    *count += 1;
                    *count
                }
                None => {
                    returns.push((to, 0));
                    0
                }
            }
        });
        let stale = returned == 3 && self.planted(GridDeepDefect::ThirdReturn);
        self.subscriptions.with_mut(|subscriptions| {
            if !stale {
                subscriptions.retain(|pair| *pair != from);
            }
            subscriptions.push(to);
        });
    }
}

impl Bot for DeepGridBot {
    type Config = DeepGridConfig;
    type Action = GridAction;
    const NAME: &'static str = "deep-grid";

    fn build(config: &DeepGridConfig) -> Result<Self, ConfigError> {
        let bot = GoodGridBot::build(&config.grid)?;
        let pairs = config.grid.max_pairs;
        Ok(DeepGridBot {
            cancelling: Tracked::new(|| Vec::with_capacity(config.grid.levels)),
            late_fills: Tracked::new(Vec::new),
            subscriptions: Tracked::new(|| {
                let mut subscriptions = Vec::with_capacity(pairs + 1);
                subscriptions.push(bot.pair);
                subscriptions
            }),
            returns: Tracked::new(|| Vec::with_capacity(pairs)),
            bot,
            defect: config.defect,
        })
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        // The exchange confirms every cancel in flight.
        if !self.cancelling.get().is_empty() {
            self.cancelling.with_mut(Vec::clear);
        }
        self.bot.on_candle(candle)
    }

    fn apply(&mut self, action: &GridAction, market: &MarketView) {
        match *action {
            GridAction::Cancel { level } => self.cancel(self.level(level)),
            GridAction::Fill { level } => self.fill(self.level(level)),
            _ => {}
        }
        let pair = self.bot.pair;
        self.bot.apply(action, market);
        if let GridAction::SwitchPair { .. } = action {
            self.switch(pair);
        }
    }

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        self.bot.components(visit);
        let config = &self.bot.config;
        visit(
            Component::of_group("cancels_in_flight", self.cancelling.group())
                .entries(self.cancelling.get().len(), config.levels)
                .capped(), // a full one drops its oldest
        );
        visit(
            Component::of_group("late_fills", self.late_fills.group())
                .entries(self.late_fills.get().len(), config.levels),
        );
        visit(
            Component::of_group("subscriptions", self.subscriptions.group())
                .entries(self.subscriptions.get().len(), config.max_pairs),
        );
        visit(
            Component::of_group("pair_returns", self.returns.group())
                .entries(self.returns.get().len(), config.max_pairs)
                .capped(), // one per pair, and pairs are capped
        );
    }

    fn check(&self, after_candle: bool) -> Result<(), Violation> {
        self.bot.check(after_candle)?;
        let live = |id: &u64| self.bot.orders.get().contains_key(id);
        let dangling = self.late_fills.get().iter().filter(|id| !live(id)).count();
        if dangling > 0 {
            return Err(Violation::domain(
                "late-fill-without-order",
                dangling as i64,
                0,
                "records",
            )
            .in_component("late_fills"));
        }
        let stale = (self.subscriptions.get().iter())
            .filter(|pair| **pair != self.bot.pair)
            .count();
        if stale > 0 {
            return Err(Violation::domain(
                "subscription-to-another-pair",
                stale as i64,
                0,
                "pairs",
            )
            .in_component("subscriptions"));
        }
        Ok(())
    }

    fn activity(&self) -> Activity {
        self.bot.activity()
    }
}

impl std::fmt::Debug for DeepGridBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeepGridBot")
            .field("defect", &self.defect)
            .finish_non_exhaustive()
    }
}
