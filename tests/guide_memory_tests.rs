//! The three tests of the original Python memory-leak guide, ported with the
//! limits a Rust bot should meet (the guide allowed 100 MB growth, 200 MB peak).

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use std::num::NonZeroUsize;

use heapbound::bounded::{Eviction, SessionStore, TradeHistory};
use heapbound::harness::{Run, RunOptions};
use heapbound::heap::{self, Group, Scope};
use heapbound::market::CandleGenerator;
use heapbound::paper::{BotConfig, PaperBot, PaperExecutor};
use heapbound::Bot;

const KIB: u64 = 1024;

#[test]
fn allocator_is_tracking() {
    assert!(heap::is_tracking());
}

#[test]
fn no_memory_leak_10k_candles() {
    Scope::run(no_memory_leak_in);
}

fn no_memory_leak_in(scope: &Scope) {
    let initial = scope.current_bytes();
    let mut bot = PaperBot::new(BotConfig::default()).unwrap();
    let mut candles = CandleGenerator::new(42);
    // Warm-up: fill the window, the price cache and the metrics ring.
    for candle in candles.by_ref().take(2_000) {
        bot.step(&candle);
    }
    let warm = scope.current_bytes();
    let warm_allocations = scope.stats().allocations;
    for candle in candles.by_ref().take(10_000) {
        bot.step(&candle);
    }
    let stats = scope.stats();
    let growth = stats.live_bytes as i64 - warm as i64;
    assert!(
        growth <= 64 * KIB as i64,
        "growth after warm-up {growth} B > 64 KiB"
    );
    assert!(
        stats.peak_bytes <= 1024 * KIB,
        "peak {} B > 1 MiB",
        stats.peak_bytes
    );
    // Stronger than the guide: after warm-up a candle allocates nothing.
    assert_eq!(stats.allocations - warm_allocations, 0);
    assert_eq!(growth, 0);
    assert!(
        bot.history().total_recorded() > 0,
        "the strategy never traded"
    );
    drop(bot);
    assert_eq!(scope.current_bytes(), initial);
}

#[test]
fn session_store_bounded() {
    Scope::run(session_store_bounded_in);
}

fn session_store_bounded_in(scope: &Scope) {
    let mut store = SessionStore::new(NonZeroUsize::new(1000).unwrap(), Eviction::Fifo);
    let mut bytes_when_full = 0;
    for i in 0..10_000u64 {
        let payload = format!("test_data_{i}:{}", i * 100)
            .into_bytes()
            .into_boxed_slice();
        store.add(i, i as i64, payload);
        if i == 999 {
            bytes_when_full = scope.current_bytes();
        }
        if i >= 1000 {
            // Payloads differ in length by a few bytes; the store itself
            // allocates nothing more once full.
            assert!(scope.current_bytes() <= bytes_when_full + 1000 * 4);
        }
    }
    assert_eq!(store.len(), 1000);
    let ids: Vec<u64> = store.ids().collect();
    assert_eq!(ids, (9_000..10_000).collect::<Vec<_>>());
}

#[test]
fn trade_history_bounded() {
    Scope::run(trade_history_bounded_in);
}

fn trade_history_bounded_in(scope: &Scope) {
    let max_trades = 100;
    let mut executor = PaperExecutor::new("BTCUSDT", 1_000_000_000_000, 10, max_trades);
    let initial = scope.current_bytes();
    for i in 0..1000 {
        executor.buy("BTCUSDT", 100, 5_000_000 + i, i).unwrap();
        executor.sell("BTCUSDT", 5_010_000 + i, i).unwrap();
    }
    assert_eq!(executor.history().len(), max_trades);
    assert_eq!(executor.books().fills, 2000);
    let growth = scope.current_bytes() - initial;
    let record = TradeHistory::record_bytes() as u64;
    assert!(growth <= max_trades as u64 * record, "growth {growth} B");
    // The history reserved its storage when built: trading adds nothing.
    assert_eq!(growth, 0);
    assert!(executor.history_group().live_bytes() >= max_trades as u64 * record);
}

fn component_bytes<B: Bot>(bot: &B) -> Vec<(&'static str, u64)> {
    let mut bytes = Vec::new();
    bot.components(&mut |component| bytes.push((component.name, component.bytes())));
    bytes
}

#[test]
fn bots_on_parallel_threads_each_see_their_own_bytes() {
    let expected = {
        let run = Run::<PaperBot>::new(&BotConfig::default(), &RunOptions::default()).unwrap();
        component_bytes(run.bot())
    };
    for _round in 0..20 {
        let handles: Vec<_> = (0..4)
            .map(|seed| {
                std::thread::spawn(move || {
                    let mut run =
                        Run::<PaperBot>::new(&BotConfig::default(), &RunOptions::default())
                            .unwrap();
                    let mut candles = CandleGenerator::new(seed).take(5_000);
                    while run.feed(5_000, || candles.next()).candles > 0 {}
                    (component_bytes(run.bot()), run.heap())
                })
            })
            .collect();
        for handle in handles {
            let (components, heap) = handle.join().unwrap();
            assert_eq!(components, expected, "components on a parallel thread");
            let in_components: u64 = components.iter().map(|c| c.1).sum();
            // The bot's own group also holds its symbol strings.
            assert!(heap.live_bytes > in_components && heap.live_bytes < in_components + 256);
        }
    }
}

/// A bot that does its work on a thread it spawns: the thread's
/// allocations count only when it runs in the bot's group.
#[test]
fn allocations_on_a_thread_count_only_inside_the_group() {
    let mut bot = Group::new();
    let outside = std::thread::spawn(|| vec![0u8; 10_000]).join().unwrap();
    assert_eq!(bot.live_bytes(), 0, "a plain thread is outside the group");
    let inside = bot.handle().spawn(|| vec![0u8; 10_000]).join().unwrap();
    assert_eq!(bot.live_bytes(), 10_000);
    let in_place = bot.handle().run(|| vec![0u8; 500]);
    assert_eq!(bot.live_bytes(), 10_500);
    drop((inside, in_place, outside));
    assert_eq!(bot.live_bytes(), 0);
    let _ = bot.enter();
}

#[test]
fn groups_created_at_once_on_many_threads_all_count() {
    // Keeping every group alive empties the pool, so each one registers a
    // fresh id while the other threads do the same.
    let start = std::sync::Arc::new(std::sync::Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let start = std::sync::Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                let mut groups: Vec<heap::Group> = (0..1_000).map(|_| heap::Group::new()).collect();
                groups
                    .iter_mut()
                    .map(|group| {
                        let data = group.run(|| vec![1u8; 24]);
                        let counted = group.stats().allocations;
                        drop(data);
                        counted
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    for handle in handles {
        assert!(handle.join().unwrap().iter().all(|&counted| counted == 1));
    }
}

#[test]
fn a_group_counts_exactly_when_its_thread_and_others_allocate_at_once() {
    // The creating thread updates its half of the counters without atomic
    // adds, the others update the shared half: nothing may be lost.
    let mut group = Group::new();
    let handle = group.handle();
    let start = std::sync::Arc::new(std::sync::Barrier::new(5));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let start = std::sync::Arc::clone(&start);
            handle.spawn(move || {
                start.wait();
                let mut kept = Vec::new();
                for round in 0..2_000 {
                    let block = vec![1u8; 24 + round % 8];
                    if round % 2 == 0 {
                        kept.push(block);
                    }
                }
                kept
            })
        })
        .collect();
    let mine = group.run(|| {
        start.wait();
        (0..2_000)
            .map(|round| vec![2u8; 40 + round % 8])
            .collect::<Vec<_>>()
    });
    let kept: Vec<Vec<Vec<u8>>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let stats = group.stats();
    let expected_live: usize = kept.iter().flatten().map(Vec::capacity).sum::<usize>()
        + kept
            .iter()
            .map(|k| k.capacity() * std::mem::size_of::<Vec<u8>>())
            .sum::<usize>()
        + mine.iter().map(Vec::capacity).sum::<usize>()
        + mine.capacity() * std::mem::size_of::<Vec<u8>>();
    assert_eq!(stats.live_bytes, expected_live as u64);
    assert_eq!(
        stats.allocations - stats.deallocations,
        4 * (1_000 + 1) + 2_000 + 1
    );
    assert!(stats.peak_bytes >= stats.live_bytes);
    drop((kept, mine));
    assert_eq!(group.live_bytes(), 0);
}
