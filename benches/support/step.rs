//! The paper bot's candle step as the benchmarks time it, shared by
//! `throughput` and the tracker benches.

use criterion::Bencher;

use heapbound::market::CandleGenerator;
use heapbound::paper::{BotConfig, PaperBot};

/// Times `candles` steps of one bot per iteration. One market for the whole
/// run: candle times keep moving forward, as they do for a live bot.
pub fn bench_steps(b: &mut Bencher, candles: u64) {
    let mut bot = PaperBot::new(BotConfig::default()).unwrap();
    let mut market = CandleGenerator::new(42);
    b.iter(|| {
        for candle in market.by_ref().take(candles as usize) {
            bot.step(&candle);
        }
        bot.books().fills
    })
}
