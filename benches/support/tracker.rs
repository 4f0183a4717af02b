//! The workloads `tracker_system` and `tracker_tracking` both run: the same
//! code in two binaries, one with heapbound's tracking allocator installed and
//! one with the system allocator, so the ratio of the two is the tracker's
//! overhead. Entering allocation groups costs the same in both.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};

use heapbound::paper::{BotConfig, PaperBot};

const SESSION_INSERTS: u64 = 10_000;
const CANDLES: u64 = 100_000;

/// `allocator` names the binary's allocator in the benchmark id.
pub fn workloads(c: &mut Criterion, allocator: &str) {
    let mut group = c.benchmark_group("tracker");
    // Allocation-heavy: each insert allocates a 256-byte payload and, once
    // the store is full, frees the evicted one.
    group.throughput(Throughput::Elements(SESSION_INSERTS));
    group.bench_function(BenchmarkId::new("session_inserts", allocator), |b| {
        let mut bot = PaperBot::new(BotConfig::default()).unwrap();
        let mut id = 0u64;
        b.iter(|| {
            for _ in 0..SESSION_INSERTS {
                id += 1;
                black_box(bot.add_session(id, 256).unwrap());
            }
        })
    });
    // Allocation-free after warm-up: the tracker is never called.
    group.throughput(Throughput::Elements(CANDLES));
    group.bench_function(BenchmarkId::new("candle_step", allocator), |b| {
        crate::support_step::bench_steps(b, CANDLES)
    });
    group.finish();
}
