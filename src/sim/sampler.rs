//! What a simulation measures between checks: the growth model's samples,
//! per-component slopes for the report, the RSS of a bot process, and the
//! longest each component got.

use crate::bot::Bot;
use crate::harness::{component_names, leak_slope_violation, Run, Violation};
use crate::leak::{GrowthModel, Part, SlopeFit};

use super::report::LeakReport;

/// Samples every `every` candles after warm-up.
pub(crate) struct Sampler {
    warmup: u64,
    every: u64,
    growth: GrowthModel,
    parts: Vec<Part>,
    names: Vec<&'static str>,
    /// Per component: fitted bytes over candles, for the report's table.
    components: Vec<SlopeFit>,
    /// Per component: the most entries seen.
    max_len: Vec<usize>,
    /// RSS of a bot in another process (advisory).
    rss: Option<SlopeFit>,
}

/// The slope verdict, and the violation when it is a leak.
pub(crate) struct LeakVerdict {
    pub report: LeakReport,
    pub violation: Option<Violation>,
}

impl Sampler {
    /// Aims for `samples` samples between `warmup` and `candles`.
    pub fn new<B: Bot>(bot: &B, candles: u64, warmup: u64, samples: u64) -> Sampler {
        let names = component_names(bot);
        Sampler {
            warmup,
            every: (candles.saturating_sub(warmup) / samples.max(1)).max(1),
            growth: GrowthModel::levels(),
            parts: Vec::with_capacity(names.len()),
            components: vec![SlopeFit::default(); names.len()],
            max_len: vec![0; names.len()],
            names,
            rss: bot.process().map(|_| SlopeFit::default()),
        }
    }

    /// The next candle count after `fed` at which a sample is due.
    pub fn next_due(&self, fed: u64) -> u64 {
        let since = fed.saturating_sub(self.warmup);
        self.warmup + (since / self.every + 1) * self.every
    }

    pub fn is_due(&self, fed: u64) -> bool {
        fed > self.warmup && (fed - self.warmup) % self.every == 0
    }

    /// Notes each component's length (after every check and action).
    pub fn note_lengths<B: Bot>(&mut self, run: &Run<B>) {
        if run.panic().is_some() {
            return;
        }
        let mut longest = self.max_len.iter_mut();
        run.bot().components(&mut |component| {
            if let Some(longest) = longest.next() {
                *longest = (*longest).max(component.len);
            }
        });
    }

    pub fn sample<B: Bot>(&mut self, candle: u64, run: &Run<B>) {
        if run.panic().is_some() {
            return;
        }
        run.parts(&mut self.parts);
        self.growth
            .observe(candle, run.heap().live_bytes, &self.parts, true);
        if let (Some(fit), Some(os)) = (self.rss.as_mut(), run.bot().process()) {
            fit.add(candle, os.rss_bytes);
        }
        for (fit, part) in self.components.iter_mut().zip(&self.parts) {
            fit.add(candle, part.bytes.unwrap_or(0));
        }
        self.note_lengths(run);
    }

    pub fn component_slope(&self, index: usize) -> f64 {
        self.components
            .get(index)
            .map_or(0.0, |fit| fit.slope().bytes_per_candle)
    }

    pub fn max_len(&self, index: usize) -> usize {
        self.max_len.get(index).copied().unwrap_or(0)
    }

    pub fn verdict(&self, horizon: u64, budget: u64) -> LeakVerdict {
        let growth = self.growth.verdict(horizon, budget);
        let violation = growth
            .leak
            .then(|| leak_slope_violation(&growth, budget, &self.names));
        LeakVerdict {
            report: LeakReport {
                slope_bytes_per_candle: growth.slope.bytes_per_candle,
                confidence_95: growth.slope.confidence_95,
                projected_bytes: growth.projected_bytes,
                horizon_candles: horizon,
                budget_bytes: budget,
                samples: growth.slope.samples,
                floor_rises: growth.rises,
                verdict: if growth.leak {
                    "leak"
                } else if growth.growing {
                    "growing"
                } else {
                    "flat"
                },
                rss_slope_bytes_per_candle: self
                    .rss
                    .as_ref()
                    .map(|fit| fit.slope().bytes_per_candle),
            },
            violation,
        }
    }
}
