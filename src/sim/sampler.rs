//! Live bytes sampled over a run, for the leak slope of the bot and of
//! each component.

use crate::bot::Bot;
use crate::harness::{Invariant, Run, Violation};
use crate::leak::SlopeFit;

use super::report::LeakReport;

/// Samples every `every` candles after warm-up.
pub(crate) struct Sampler {
    warmup: u64,
    every: u64,
    total: SlopeFit,
    names: Vec<&'static str>,
    components: Vec<SlopeFit>,
    /// Per component: whether its growth counted in the last sample (false
    /// for a reported component within its bound; see `slope_bytes`).
    counted: Vec<bool>,
    /// RSS of a bot in another process (advisory).
    rss: Option<SlopeFit>,
}

/// The slope verdict, and the violation when it is a leak.
pub(crate) struct LeakVerdict {
    pub report: LeakReport,
    pub violation: Option<Violation>,
}

/// The bytes the leak slope is fitted to: the bot's heap, less what its
/// reported components hold while each keeps within its bound. A bot in
/// another process reports a container's bytes as they are (a Python deque
/// of dicts grows while it fills, a trade history at the trade rate) and
/// states no byte budget: within its bound such a container is bounded by
/// construction, and past it the bound check fails. Measured components
/// (in this process, with budgets) always count.
fn slope_bytes<B: Bot>(run: &Run<B>) -> u64 {
    let mut bounded = 0u64;
    run.bot().components(&mut |component| {
        if component.group().is_none() && component.len <= component.bound {
            bounded = bounded.saturating_add(component.bytes());
        }
    });
    run.heap().live_bytes.saturating_sub(bounded)
}

impl Sampler {
    /// Aims for `samples` samples between `warmup` and `candles`.
    pub fn new<B: Bot>(bot: &B, candles: u64, warmup: u64, samples: u64) -> Sampler {
        let names = super::component_names(bot);
        Sampler {
            warmup,
            every: ((candles - warmup) / samples.max(1)).max(1),
            total: SlopeFit::default(),
            components: vec![SlopeFit::default(); names.len()],
            counted: vec![true; names.len()],
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

    pub fn sample<B: Bot>(&mut self, candle: u64, run: &Run<B>) {
        self.total.add(candle, slope_bytes(run));
        if let (Some(fit), Some(os)) = (self.rss.as_mut(), run.bot().process()) {
            fit.add(candle, os.rss_bytes);
        }
        let mut fits = self.components.iter_mut().zip(self.counted.iter_mut());
        run.bot().components(&mut |component| {
            if let Some((fit, counted)) = fits.next() {
                fit.add(candle, component.bytes());
                *counted = !(component.group().is_none() && component.len <= component.bound);
            }
        });
    }

    pub fn component_slope(&self, index: usize) -> f64 {
        self.components
            .get(index)
            .map_or(0.0, |fit| fit.slope().bytes_per_candle)
    }

    pub fn verdict(&self, horizon: u64, budget: u64) -> LeakVerdict {
        let slope = self.total.slope();
        let leak = slope.is_leak(horizon, budget);
        let projected = slope.projected_bytes(horizon);
        let violation = leak.then(|| {
            let component = self
                .names
                .iter()
                .zip(&self.components)
                .zip(&self.counted)
                .filter(|(_, counted)| **counted)
                .map(|((name, fit), _)| (*name, fit.slope().bytes_per_candle))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map_or("bot", |(name, _)| name);
            Violation::new(
                Invariant::LeakSlope,
                projected as i64,
                budget as i64,
                "bytes over the horizon",
            )
            .in_component(component)
        });
        LeakVerdict {
            report: LeakReport {
                slope_bytes_per_candle: slope.bytes_per_candle,
                confidence_95: slope.confidence_95,
                projected_bytes: projected,
                horizon_candles: horizon,
                budget_bytes: budget,
                samples: slope.samples,
                verdict: if leak { "leak" } else { "flat" },
                rss_slope_bytes_per_candle: self
                    .rss
                    .as_ref()
                    .map(|fit| fit.slope().bytes_per_candle),
            },
            violation,
        }
    }
}
