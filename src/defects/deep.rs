//! Deep defects: leaks on rare paths, reachable only through a specific
//! order of events, as real bots have them (an entry left behind when an
//! event arrives in an unusual order). Each hides in the bookkeeping a
//! trading desk adds on top of the paper bot's executor ([`Desk`]), which
//! is correct without a defect.
//!
//! The desk states invariants its records must meet after every event
//! (each index entry names a live session, no session is subscribed twice,
//! no stop or lot outlives its position, no price fetch is left pending):
//! the check that catches a dangling record at its first occurrence, long
//! before the container's bound or the leak slope would. Random simulation
//! rarely builds the sequences; `scripts/time-to-find.sh deep` measures
//! which engine does, and how fast.

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};

use crate::bot::{Activity, Bot, CandleOutcome, Component, ConfigError, MarketView};
use crate::heap::Tracked;
use crate::market::Candle;
use crate::paper::{BotConfig, PaperAction, PaperBot};
use crate::violation::Violation;

/// A leak on one rare path of the [`Desk`]'s bookkeeping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Arbitrary)]
#[serde(rename_all = "kebab-case")]
pub enum DeepDefect {
    /// Removing a session while it owns part of the open position leaves
    /// its entry in the order index (`AddSession s`, `Buy`,
    /// `RemoveSession s`).
    OrphanIndex,
    /// A session refreshed after a fill and before the next candle settles
    /// it is subscribed a second time (`AddSession s`, `Buy`,
    /// `AddSession s`).
    DuplicateSubscription,
    /// A stop armed on a candle that gaps up by 5 to 10 % right after a
    /// manual buy is kept when a manual sell closes the position right
    /// after that candle (`Buy`, the gapping candle, `Sell`, in a row).
    StopAfterGap,
    /// A manual sell of a position built by two or more manual buys to
    /// exactly a multiple of 1,000 lots keeps its lot records (`Buy`,
    /// `Buy` to a round position, `Sell`).
    RoundLotClose,
    /// A price-cache miss right after a manual cleanup that kept no trades,
    /// with a position open, leaves its fetch pending (`Buy`,
    /// `Cleanup { keep_trades: 0 }`, `CacheLookup` of an evicted candle).
    MissAfterCleanup,
}

impl DeepDefect {
    /// Every deep defect of the paper desk.
    pub const ALL: [DeepDefect; 5] = [
        DeepDefect::OrphanIndex,
        DeepDefect::DuplicateSubscription,
        DeepDefect::StopAfterGap,
        DeepDefect::RoundLotClose,
        DeepDefect::MissAfterCleanup,
    ];

    /// The kebab-case name (`HEAPBOUND_DEEP`, `--deep`).
    pub fn name(self) -> &'static str {
        match self {
            DeepDefect::OrphanIndex => "orphan-index",
            DeepDefect::DuplicateSubscription => "duplicate-subscription",
            DeepDefect::StopAfterGap => "stop-after-gap",
            DeepDefect::RoundLotClose => "round-lot-close",
            DeepDefect::MissAfterCleanup => "miss-after-cleanup",
        }
    }

    /// The defect named `name`.
    pub fn from_name(name: &str) -> Option<DeepDefect> {
        DeepDefect::ALL
            .into_iter()
            .find(|defect| defect.name() == name)
    }
}

/// The config of a [`Desk`].
#[derive(Clone, Debug, Default, Serialize, Deserialize, Arbitrary)]
pub struct DeskConfig {
    /// The paper bot's config.
    pub bot: BotConfig,
    /// The defect planted, if any (`None`: a correct desk).
    pub defect: Option<DeepDefect>,
}

/// Records of one kind a desk keeps at most; older ones merge or drop.
const DESK_RECORDS: usize = 16;

/// A candle gapping more than this from the last close (basis points) arms
/// a stop while a position is open.
const GAP_BPS: i64 = 500;

/// A gap up by more than this is a take-profit, which clears stops itself.
const TAKE_PROFIT_BPS: i64 = 1_000;

/// The paper bot with a desk's bookkeeping on top: which session bought
/// into the open position, who is subscribed to fills, stops armed on
/// price gaps, the open position's manual lots, and price fetches for
/// cache misses. Correct unless a [`DeepDefect`] is planted.
pub struct Desk {
    bot: PaperBot,
    defect: Option<DeepDefect>,
    /// The live session that last acted (added or read): it owns a buy.
    owner: Option<u64>,
    /// Session to lots it bought into the open position.
    index: Tracked<Vec<(u64, i64)>>,
    /// Sessions told about fills.
    subscribers: Tracked<Vec<u64>>,
    /// Stop prices armed by gaps while the position is open.
    stops: Tracked<Vec<i64>>,
    /// Manual buys of the open position, in lots.
    lots: Tracked<Vec<i64>>,
    /// Candle times whose close is being fetched after a cache miss.
    pending: Tracked<Vec<i64>>,
    /// A buy filled since the last candle (it settles on the next one).
    unsettled_fill: bool,
    /// The last action was a manual cleanup that kept no trades.
    after_cleanup: bool,
    /// The last step was a candle that gapped up short of a take-profit.
    after_gap_up: bool,
    /// The last step was a manual buy that filled.
    after_buy: bool,
}

impl Desk {
    fn planted(&self, defect: DeepDefect) -> bool {
        self.defect == Some(defect)
    }

    fn position(&self) -> i64 {
        self.bot.books().position
    }

    fn is_live(&self, session: u64) -> bool {
        self.bot.sessions().ids().any(|id| id == session)
    }

    fn live_sessions(&self) -> Vec<u64> {
        let mut live: Vec<u64> = self.bot.sessions().ids().collect();
        live.sort_unstable();
        live
    }

    /// Drops records of sessions that are gone (evicted, cleaned up).
    fn forget_gone_sessions(&mut self) {
        let live = self.live_sessions();
        let is_live = |id: &u64| live.binary_search(id).is_ok();
        self.index
            .with_mut(|index| index.retain(|(id, _)| is_live(id)));
        self.subscribers
            .with_mut(|subscribers| subscribers.retain(is_live));
        self.owner = self.owner.filter(is_live);
    }

    /// A flat position owns nothing: its index, stops and lots go.
    /// `manual_sell_of`: the position a manual sell just closed;
    /// `right_after_gap_up`: the candle before it gapped up after a buy.
    fn settle_if_flat(&mut self, manual_sell_of: Option<i64>, right_after_gap_up: bool) {
        if self.position() != 0 {
            return;
        }
        self.index.with_mut(Vec::clear);
        let gap_stop_kept = manual_sell_of.is_some()
            && right_after_gap_up
            && self.planted(DeepDefect::StopAfterGap);
        if !gap_stop_kept {
            self.stops.with_mut(Vec::clear);
        }
        let round = manual_sell_of.is_some_and(|lots| lots > 0 && lots % 1_000 == 0)
            && self.lots.get().len() >= 2;
        if !(round && self.planted(DeepDefect::RoundLotClose)) {
            self.lots.with_mut(Vec::clear);
        }
    }

    fn add_session(&mut self, action: &PaperAction, id: u64, market: &MarketView) {
        let before = self.bot.sessions().len();
        self.bot.apply(action, market);
        if !self.is_live(id) {
            return; // refused
        }
        self.owner = Some(id);
        if self.bot.sessions().len() <= before {
            self.forget_gone_sessions(); // a refresh or an eviction
        }
        let subscribed = self.subscribers.get().contains(&id);
        let duplicate = self.unsettled_fill && self.planted(DeepDefect::DuplicateSubscription);
        if !subscribed || duplicate {
            self.subscribers.with_mut(|subscribers| {
                if subscribers.len() == DESK_RECORDS {
                    subscribers.remove(0);
                }
                subscribers.push(id);
            });
        }
    }

    fn remove_session(&mut self, action: &PaperAction, id: u64, market: &MarketView) {
        self.bot.apply(action, market);
        let orphaned = self.position() > 0 && self.planted(DeepDefect::OrphanIndex);
        if !orphaned {
            self.index
                .with_mut(|index| index.retain(|(owner, _)| *owner != id));
        }
        self.subscribers
            .with_mut(|subscribers| subscribers.retain(|owner| *owner != id));
        if self.owner == Some(id) {
            self.owner = None;
        }
    }

    fn buy(&mut self, action: &PaperAction, market: &MarketView) {
        let before = self.position();
        self.bot.apply(action, market);
        let bought = self.position() - before;
        if bought <= 0 {
            return; // refused
        }
        self.unsettled_fill = true;
        self.after_buy = true;
        self.lots.with_mut(|lots| {
            if lots.len() == DESK_RECORDS {
                let merged: i64 = lots.drain(..).sum();
                lots.push(merged);
            }
            lots.push(bought);
        });
        if let Some(owner) = self.owner {
            self.index.with_mut(|index| {
                if let Some((_, lots)) = index.iter_mut().find(|(id, _)| *id == owner) {
                    *lots += bought;
                } else if index.len() < DESK_RECORDS {
                    index.push((owner, bought));
                }
            });
        }
    }

    /// `right_after_cleanup`: the action before was a cleanup that kept no
    /// trades.
    fn cache_lookup(
        &mut self,
        action: &PaperAction,
        market: &MarketView,
        right_after_cleanup: bool,
    ) {
        let PaperAction::CacheLookup { age } = *action else {
            return;
        };
        let time = market.next_time_ms - (1 + i64::from(age)) * market.interval_ms;
        let hit = self.bot.cache_lookup(time).is_some();
        if hit || market.candles <= u64::from(age) {
            return; // cached, or before the first candle: nothing to fetch
        }
        self.pending.with_mut(|pending| pending.push(time));
        // The fetch answers at once here; the defect loses the answer.
        let lost = right_after_cleanup && self.position() > 0;
        if !(lost && self.planted(DeepDefect::MissAfterCleanup)) {
            self.pending
                .with_mut(|pending| pending.retain(|t| *t != time));
        }
    }
}

/// Room for a kind of record, reserved once.
fn records<T>() -> Vec<T> {
    Vec::with_capacity(DESK_RECORDS)
}

impl Bot for Desk {
    type Config = DeskConfig;
    type Action = PaperAction;
    const NAME: &'static str = "paper-desk";

    fn build(config: &DeskConfig) -> Result<Self, ConfigError> {
        let bot = PaperBot::new(config.bot.clone())?;
        Ok(Desk {
            bot,
            defect: config.defect,
            owner: None,
            index: Tracked::new(records),
            subscribers: Tracked::new(records),
            stops: Tracked::new(records),
            lots: Tracked::new(records),
            pending: Tracked::new(records),
            unsettled_fill: false,
            after_cleanup: false,
            after_gap_up: false,
            after_buy: false,
        })
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        let last_close = self.bot.last_candle().map(Candle::close);
        let outcome = self.bot.on_candle(candle);
        self.unsettled_fill = false;
        if outcome.cleanup.is_some() {
            self.forget_gone_sessions();
        }
        self.after_gap_up = false;
        if let Some(last) = last_close {
            let gap_bps = (candle.open() - last) * 10_000 / last.max(1);
            self.after_gap_up = self.after_buy && gap_bps > GAP_BPS && gap_bps <= TAKE_PROFIT_BPS;
            if gap_bps.abs() > GAP_BPS && self.position() > 0 {
                self.stops.with_mut(|stops| {
                    if stops.len() == DESK_RECORDS {
                        stops.remove(0);
                    }
                    stops.push(candle.open());
                });
            }
        }
        self.after_buy = false;
        self.settle_if_flat(None, false);
        outcome
    }

    fn apply(&mut self, action: &PaperAction, market: &MarketView) {
        let after_cleanup = std::mem::take(&mut self.after_cleanup);
        let after_gap_up = std::mem::take(&mut self.after_gap_up);
        self.after_buy = false;
        match *action {
            PaperAction::AddSession { id, .. } => self.add_session(action, u64::from(id), market),
            PaperAction::GetSession { id } => {
                self.bot.apply(action, market);
                if self.is_live(u64::from(id)) {
                    self.owner = Some(u64::from(id));
                }
            }
            PaperAction::RemoveSession { id } => self.remove_session(action, u64::from(id), market),
            PaperAction::Buy { .. } => self.buy(action, market),
            PaperAction::Sell { .. } => {
                let held = self.position();
                self.bot.apply(action, market);
                if self.position() == 0 && held > 0 {
                    self.settle_if_flat(Some(held), after_gap_up);
                    return;
                }
            }
            PaperAction::Cleanup { keep_trades, .. } => {
                self.bot.apply(action, market);
                self.forget_gone_sessions();
                self.after_cleanup = keep_trades == 0;
            }
            PaperAction::CacheLookup { .. } => self.cache_lookup(action, market, after_cleanup),
        }
        self.settle_if_flat(None, false);
    }

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        self.bot.components(visit);
        // Capped by construction: a full one drops or merges its oldest.
        let records = |name, group, len| {
            Component::of_group(name, group)
                .entries(len, DESK_RECORDS)
                .capped()
        };
        visit(records(
            "order_index",
            self.index.group(),
            self.index.get().len(),
        ));
        visit(records(
            "subscribers",
            self.subscribers.group(),
            self.subscribers.get().len(),
        ));
        visit(records("stops", self.stops.group(), self.stops.get().len()));
        visit(records("lots", self.lots.group(), self.lots.get().len()));
        visit(
            Component::of_group("pending_fetches", self.pending.group())
                .entries(self.pending.get().len(), DESK_RECORDS),
        );
    }

    fn check(&self, after_candle: bool) -> Result<(), Violation> {
        self.bot.check(after_candle)?;
        let dangling = |name: &'static str, count: usize, component: &str| {
            Violation::domain(name, count as i64, 0, "records").in_component(component)
        };
        let live = self.live_sessions();
        let orphans = (self.index.get().iter())
            .filter(|(id, _)| live.binary_search(id).is_err())
            .count();
        if orphans > 0 {
            return Err(dangling(
                "index-entry-without-session",
                orphans,
                "order_index",
            ));
        }
        let subscribers = self.subscribers.get();
        let duplicates = (0..subscribers.len())
            .filter(|&i| subscribers[..i].contains(&subscribers[i]))
            .count();
        if duplicates > 0 {
            return Err(dangling(
                "duplicate-subscription",
                duplicates,
                "subscribers",
            ));
        }
        if self.position() == 0 {
            if !self.stops.get().is_empty() {
                return Err(dangling(
                    "stop-without-position",
                    self.stops.get().len(),
                    "stops",
                ));
            }
            if !self.lots.get().is_empty() {
                return Err(dangling(
                    "lot-without-position",
                    self.lots.get().len(),
                    "lots",
                ));
            }
        }
        if !self.pending.get().is_empty() {
            return Err(dangling(
                "fetch-left-pending",
                self.pending.get().len(),
                "pending_fetches",
            ));
        }
        Ok(())
    }

    fn activity(&self) -> Activity {
        self.bot.activity()
    }

    fn describe(&self) -> &str {
        self.bot.describe()
    }
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("defect", &self.defect)
            .field("position", &self.position())
            .finish_non_exhaustive()
    }
}
