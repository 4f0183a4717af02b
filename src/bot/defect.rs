//! Deliberate defects: the broken bots every detector is proven on.
//!
//! A bot is built with at most one defect ([`TradingBot::with_defect`]);
//! without one, the only cost is a branch on `None` per candle.
//!
//! [`TradingBot::with_defect`]: super::TradingBot::with_defect

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::Mutex;

use serde::Serialize;

use crate::bounded::Trade;
use crate::market::Candle;

/// The real Rust leak patterns, each planted in one component's group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
#[value(rename_all = "kebab-case")]
pub enum LeakPattern {
    /// Every candle pushed to a `Vec` with no bound (candle_window).
    UnboundedVec,
    /// An `Rc<RefCell<..>>` parent/child cycle per position session, never
    /// freed (session_store).
    RcCycle,
    /// A global `static` cache keyed by (symbol, time), never evicted (price_cache).
    GlobalCache,
    /// `Box::leak` of every trade (trade_history).
    Forget,
    /// A channel of events nobody drains (metrics).
    UndrainedQueue,
    /// A map of sessions whose keys are never removed (session_store).
    OrphanKeys,
    /// 32 bytes kept every 1,000 candles (strategy).
    SlowDrip,
}

impl LeakPattern {
    /// Every pattern, in documentation order.
    pub const ALL: [LeakPattern; 7] = [
        LeakPattern::UnboundedVec,
        LeakPattern::RcCycle,
        LeakPattern::GlobalCache,
        LeakPattern::Forget,
        LeakPattern::UndrainedQueue,
        LeakPattern::OrphanKeys,
        LeakPattern::SlowDrip,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            LeakPattern::UnboundedVec => "unbounded-vec",
            LeakPattern::RcCycle => "rc-cycle",
            LeakPattern::GlobalCache => "global-cache",
            LeakPattern::Forget => "forget",
            LeakPattern::UndrainedQueue => "undrained-queue",
            LeakPattern::OrphanKeys => "orphan-keys",
            LeakPattern::SlowDrip => "slow-drip",
        }
    }

    /// The component whose group the leaked bytes are charged to.
    pub fn component(self) -> &'static str {
        match self {
            LeakPattern::UnboundedVec => "candle_window",
            LeakPattern::RcCycle | LeakPattern::OrphanKeys => "session_store",
            LeakPattern::GlobalCache => "price_cache",
            LeakPattern::Forget => "trade_history",
            LeakPattern::UndrainedQueue => "metrics",
            LeakPattern::SlowDrip => "strategy",
        }
    }
}

/// A deliberately broken bot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Defect {
    /// The trade history ignores its bound.
    MissingHistoryBound,
    /// Buys do not take their fee from cash.
    SkipBuyFee,
    /// Buys may overdraw cash by up to the starting capital.
    SkipCashCheck,
    /// Fills are not written to the trade history.
    UnrecordedFill,
    /// A sell flips the position short instead of closing it.
    Oversell,
    /// The metrics sample is taken before the candle's fill.
    StaleEquitySample,
    /// A leak pattern.
    Leak(LeakPattern),
}

static GLOBAL_PRICE_CACHE: Mutex<Option<HashMap<(String, i64), i64>>> = Mutex::new(None);

struct CycleNode {
    _peer: Option<Rc<RefCell<CycleNode>>>,
    _state: [u64; 4],
}

/// The state a leak pattern grows.
#[derive(Default)]
pub(crate) struct LeakState {
    candles: Vec<Candle>,
    queue: Option<(mpsc::Sender<Candle>, mpsc::Receiver<Candle>)>,
    orphans: HashMap<u64, Box<[u8]>>,
    // One allocation per drip is the point of the pattern.
    #[allow(clippy::vec_box)]
    drips: Vec<Box<[u8; 32]>>,
}

impl LeakState {
    /// Runs on every candle with the leaking component's group entered.
    pub(crate) fn on_candle(
        &mut self,
        pattern: LeakPattern,
        candle: &Candle,
        symbol: &str,
        seen: u64,
    ) {
        match pattern {
            LeakPattern::UnboundedVec => self.candles.push(*candle),
            LeakPattern::GlobalCache => {
                if let Ok(mut cache) = GLOBAL_PRICE_CACHE.lock() {
                    cache
                        .get_or_insert_with(HashMap::new)
                        .insert((symbol.to_string(), candle.open_time()), candle.close());
                }
            }
            LeakPattern::UndrainedQueue => {
                let (sender, _receiver) = self.queue.get_or_insert_with(mpsc::channel);
                let _ = sender.send(*candle);
            }
            LeakPattern::OrphanKeys if seen % 10 == 0 => {
                self.orphans.insert(seen, vec![0u8; 16].into_boxed_slice());
            }
            LeakPattern::SlowDrip if seen % 1_000 == 0 => self.drips.push(Box::new([7; 32])),
            _ => {}
        }
    }

    /// Runs on every fill with the leaking component's group entered.
    pub(crate) fn on_fill(&mut self, pattern: LeakPattern, trade: &Trade) {
        match pattern {
            LeakPattern::Forget => {
                // `black_box`: an unused allocation may be elided by LLVM,
                // and then there would be nothing to detect.
                std::mem::forget(std::hint::black_box(Box::new(*trade)));
            }
            LeakPattern::RcCycle => {
                let parent = Rc::new(RefCell::new(CycleNode {
                    _peer: None,
                    _state: [trade.seq; 4],
                }));
                let child = Rc::new(RefCell::new(CycleNode {
                    _peer: Some(Rc::clone(&parent)),
                    _state: [trade.seq; 4],
                }));
                parent.borrow_mut()._peer = Some(child);
                // Both handles drop here; the cycle keeps both nodes alive.
            }
            _ => {}
        }
    }
}
