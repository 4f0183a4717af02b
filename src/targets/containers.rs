//! Per-container checks against simple reference models, with a heap
//! budget per container. The fuzz targets `session_store`, `trade_history`,
//! `ring_buffer` and `price_cache` call these.

use std::collections::VecDeque;
use std::num::NonZeroUsize;

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};

use crate::bounded::{
    Eviction, LruMap, PriceCache, RingBuffer, SessionStore, Side, Trade, TradeHistory,
};
use crate::heap::Group;

use crate::bot::COMPONENT_OVERHEAD;
use crate::violation::{Invariant, Violation};

/// Containers fuzzed here mostly hold at most this many entries. Small on
/// purpose (the small-scope hypothesis): wrap-around, eviction and trimming
/// bugs show at a bound of a few entries, an input reaches them in a few
/// ops, and the model compare after every op stays cheap (bounds up to 256
/// ran the `trade_history` target at 5,800 exec/s under ASan).
const SMALL_BOUND: usize = 16;

/// One raw value in 16 draws a bound from 17 to 242 instead, so budgets
/// that grow in steps (a hash table's buckets) are fuzzed at size too.
fn bound(raw: u8) -> NonZeroUsize {
    let bound = match raw.checked_sub(240) {
        None => 1 + usize::from(raw) % SMALL_BOUND,
        Some(large) => SMALL_BOUND + 1 + usize::from(large) * 15,
    };
    NonZeroUsize::new(bound).unwrap_or(NonZeroUsize::MIN)
}

fn mismatch(name: &str, step: usize, what: String) -> Violation {
    Violation::new(Invariant::ModelMismatch, 1, 0, "mismatches")
        .in_component(name)
        .at_step(step as u64, Some(what))
}

/// Checks length, bytes and model agreement after every op, and that
/// dropping the container frees every byte.
fn check_container<C, Op: std::fmt::Debug>(
    name: &str,
    budget: u64,
    build: impl FnOnce() -> C,
    ops: &[Op],
    mut apply: impl FnMut(&mut C, &Op, usize) -> Result<(), Violation>,
    len_and_bound: impl Fn(&C) -> (usize, usize),
) -> Result<(), Violation> {
    let mut group = Group::new();
    let mut container = group.run(build);
    for (step, op) in ops.iter().enumerate() {
        group.run(|| apply(&mut container, op, step))?;
        let (len, bound) = len_and_bound(&container);
        let at = |v: Violation| {
            v.in_component(name)
                .at_step(step as u64, Some(format!("{op:?}")))
        };
        if len > bound {
            return Err(at(Violation::new(
                Invariant::ContainerBound,
                len as i64,
                bound as i64,
                "entries",
            )));
        }
        let bytes = group.live_bytes();
        if bytes > budget {
            return Err(at(Violation::new(
                Invariant::ComponentBudget,
                bytes as i64,
                budget as i64,
                "bytes",
            )));
        }
    }
    drop(container);
    let left = group.live_bytes();
    if left != 0 {
        return Err(
            Violation::new(Invariant::TeardownLeak, left as i64, 0, "bytes").in_component(name),
        );
    }
    Ok(())
}

/// Session store ops.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
pub enum SessionOp {
    /// Add or replace a session.
    Add {
        /// Id.
        id: u8,
        /// Payload bytes.
        len: u8,
    },
    /// Read a session.
    Get(u8),
    /// Remove a session.
    Remove(u8),
    /// Keep the newest N.
    KeepLast(u8),
}

/// Input of the `session_store` target.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
pub struct SessionStoreInput {
    /// Bound (1..=16, one raw value in 16 up to 242).
    pub max_size: u8,
    /// LRU instead of FIFO.
    pub lru: bool,
    /// Ops in order.
    pub ops: Vec<SessionOp>,
}

/// The session store against an ordered list of (id, payload length).
pub fn check_session_store(input: &SessionStoreInput) -> Result<(), Violation> {
    let max = bound(input.max_size);
    let eviction = if input.lru {
        Eviction::Lru
    } else {
        Eviction::Fifo
    };
    let budget = (LruMap::<u64, crate::bounded::Session>::reserved_bytes(max.get())
        + max.get() * 255) as u64
        + COMPONENT_OVERHEAD;
    // Reserved up front: the model runs inside the container's group and must
    // not add bytes of its own there.
    let mut model: Vec<(u64, usize)> = Vec::with_capacity(max.get() + 1);
    check_container(
        "session_store",
        budget,
        || SessionStore::new(max, eviction),
        &input.ops,
        |store, op, step| {
            match *op {
                SessionOp::Add { id, len } => {
                    let id = u64::from(id);
                    let len = usize::from(len);
                    store.add(id, 0, vec![0; len].into_boxed_slice());
                    match model.iter().position(|&(known, _)| known == id) {
                        Some(i) if eviction == Eviction::Fifo => model[i].1 = len,
                        Some(i) => {
                            model.remove(i);
                            model.push((id, len));
                        }
                        None => {
                            if model.len() == max.get() {
                                model.remove(0);
                            }
                            model.push((id, len));
                        }
                    }
                }
                SessionOp::Get(id) => {
                    let id = u64::from(id);
                    let found = store.get(id).map(|s| s.payload.len());
                    let expected = model.iter().position(|&(known, _)| known == id);
                    if found != expected.map(|i| model[i].1) {
                        return Err(mismatch("session_store", step, format!("get({id})")));
                    }
                    if let (Some(i), Eviction::Lru) = (expected, eviction) {
                        let entry = model.remove(i);
                        model.push(entry);
                    }
                }
                SessionOp::Remove(id) => {
                    let id = u64::from(id);
                    store.remove(id);
                    model.retain(|&(known, _)| known != id);
                }
                SessionOp::KeepLast(keep) => {
                    store.keep_last(usize::from(keep));
                    let excess = model.len().saturating_sub(usize::from(keep));
                    model.drain(..excess);
                }
            }
            let ids: Vec<u64> = store.ids().collect();
            let model_ids: Vec<u64> = model.iter().map(|&(id, _)| id).collect();
            let bytes: usize = model.iter().map(|&(_, len)| len).sum();
            if ids != model_ids || store.payload_bytes() != bytes {
                return Err(mismatch(
                    "session_store",
                    step,
                    format!("{op:?}: order {ids:?} vs model {model_ids:?}"),
                ));
            }
            Ok(())
        },
        |store| (store.len(), store.bound()),
    )
}

/// Trade history ops.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
pub enum HistoryOp {
    /// Record one trade.
    Record,
    /// Record many trades.
    RecordMany(u8),
    /// Keep the newest N.
    KeepLast(u8),
}

/// Input of the `trade_history` target.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
pub struct TradeHistoryInput {
    /// Bound (1..=16, one raw value in 16 up to 242).
    pub max_trades: u8,
    /// Ops in order.
    pub ops: Vec<HistoryOp>,
}

/// The trade history against a `VecDeque` of sequence numbers.
pub fn check_trade_history(input: &TradeHistoryInput) -> Result<(), Violation> {
    let max = bound(input.max_trades);
    let budget = (max.get() * TradeHistory::record_bytes()) as u64 + COMPONENT_OVERHEAD;
    let mut model: VecDeque<u64> = VecDeque::with_capacity(max.get() + 1);
    let mut seq = 0u64;
    check_container(
        "trade_history",
        budget,
        || TradeHistory::new(max),
        &input.ops,
        |history, op, step| {
            let mut record = |history: &mut TradeHistory| {
                seq += 1;
                history.record(Trade {
                    seq,
                    time: 0,
                    side: Side::Buy,
                    price: 1,
                    qty: 1,
                    fee: 0,
                    realized_pnl: 0,
                });
                model.push_back(seq);
                if model.len() > max.get() {
                    model.pop_front();
                }
            };
            match *op {
                HistoryOp::Record => record(history),
                HistoryOp::RecordMany(n) => (0..n).for_each(|_| record(history)),
                HistoryOp::KeepLast(keep) => {
                    history.keep_last(usize::from(keep));
                    let excess = model.len().saturating_sub(usize::from(keep));
                    model.drain(..excess);
                }
            }
            if !history.iter().map(|t| t.seq).eq(model.iter().copied()) {
                return Err(mismatch("trade_history", step, format!("{op:?}")));
            }
            Ok(())
        },
        |history| (history.len(), history.bound()),
    )
}

/// Input of the `ring_buffer` target.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
pub struct RingBufferInput {
    /// Capacity (1..=16, one raw value in 16 up to 242).
    pub capacity: u8,
    /// Values pushed in order.
    pub pushes: Vec<u32>,
}

/// The ring buffer against a `VecDeque` of the last `capacity` values.
pub fn check_ring_buffer(input: &RingBufferInput) -> Result<(), Violation> {
    let capacity = bound(input.capacity);
    let budget = (capacity.get() * std::mem::size_of::<u32>()) as u64 + COMPONENT_OVERHEAD;
    let mut model: VecDeque<u32> = VecDeque::with_capacity(capacity.get() + 1);
    check_container(
        "ring_buffer",
        budget,
        || RingBuffer::new(capacity),
        &input.pushes,
        |ring, &value, step| {
            ring.push(value);
            model.push_back(value);
            if model.len() > capacity.get() {
                model.pop_front();
            }
            if !ring.iter().eq(model.iter()) || ring.back(0) != model.back() {
                return Err(mismatch("ring_buffer", step, format!("push({value})")));
            }
            Ok(())
        },
        |ring| (ring.len(), ring.capacity()),
    )
}

/// Price cache ops.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
pub enum CacheOp {
    /// Cache a price.
    Insert {
        /// Key.
        time: u8,
        /// Price.
        price: i64,
    },
    /// Look a price up.
    Get(u8),
}

/// Input of the `price_cache` target.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
pub struct PriceCacheInput {
    /// Capacity (1..=16, one raw value in 16 up to 242).
    pub capacity: u8,
    /// Ops in order.
    pub ops: Vec<CacheOp>,
}

/// The price cache against a map that keeps the newest times.
pub fn check_price_cache(input: &PriceCacheInput) -> Result<(), Violation> {
    let capacity = bound(input.capacity);
    let budget = PriceCache::reserved_bytes(capacity.get()) as u64 + COMPONENT_OVERHEAD;
    // Sorted by time; reserved here, as `apply` runs inside the cache's group.
    let mut model: Vec<(i64, i64)> = Vec::with_capacity(capacity.get() + 1);
    check_container(
        "price_cache",
        budget,
        || PriceCache::new(capacity),
        &input.ops,
        |cache, op, step| {
            match *op {
                CacheOp::Insert { time, price } => {
                    let time = i64::from(time);
                    cache.insert(time, price);
                    match model.binary_search_by_key(&time, |&(held, _)| held) {
                        Ok(index) => model[index].1 = price,
                        Err(index) => model.insert(index, (time, price)),
                    }
                    if model.len() > capacity.get() {
                        model.remove(0);
                    }
                }
                CacheOp::Get(time) => {
                    let time = i64::from(time);
                    let expected = model
                        .binary_search_by_key(&time, |&(held, _)| held)
                        .ok()
                        .map(|index| model[index].1);
                    if cache.get(time) != expected {
                        return Err(mismatch("price_cache", step, format!("get({time})")));
                    }
                }
            }
            if cache.len() != model.len() {
                return Err(mismatch("price_cache", step, format!("{op:?}: len")));
            }
            Ok(())
        },
        |cache| (cache.len(), cache.bound()),
    )
}
