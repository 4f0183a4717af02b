//! Reading samples and alerts, and what the review says of them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::cli::UsageError;
use crate::leak::{kept_growth, segment_floors, SlopeFit};

/// One sample: a soak checkpoint or a monitor's sample line.
#[derive(Clone, Debug, Deserialize)]
pub(super) struct Sample {
    #[serde(default)]
    pub seed: u64,
    /// Candles (soak) or events (a monitor) so far.
    pub candle: u64,
    pub live_bytes: u64,
    /// Bytes per component.
    #[serde(default)]
    pub components: BTreeMap<String, u64>,
    /// Entries per component (a monitor's log has them).
    #[serde(default)]
    pub lens: BTreeMap<String, u64>,
    #[serde(default)]
    pub rss_bytes: u64,
}

/// One alert a monitor logged.
#[derive(Clone, Debug, Deserialize)]
pub(super) struct LoggedAlert {
    pub message: String,
    #[serde(default)]
    pub dump: Option<String>,
    /// The command of a bot process, for `replay --exec`.
    #[serde(default)]
    pub command: Option<String>,
}

/// Everything read, in file order.
#[derive(Debug, Default)]
pub(super) struct Log {
    pub samples: Vec<Sample>,
    pub alerts: Vec<LoggedAlert>,
    pub files: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Line {
    Alert { alert: LoggedAlert },
    Sample(Sample),
}

/// Reads every file; a line that is neither names its file and line.
pub(super) fn read_all(files: &[PathBuf]) -> Result<Log, UsageError> {
    let mut log = Log::default();
    for path in files {
        let name = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| UsageError::flag(&name, &e.to_string()))?;
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Line>(line) {
                Ok(Line::Alert { alert }) => log.alerts.push(alert),
                Ok(Line::Sample(sample)) => log.samples.push(sample),
                Err(_) => {
                    let why = serde_json::from_str::<Sample>(line)
                        .err()
                        .map_or_else(|| "not a sample or an alert".to_string(), |e| e.to_string());
                    return Err(UsageError::input(format!(
                        "{name}:{}: not a checkpoint, sample or alert line: {why}",
                        index + 1
                    )));
                }
            }
        }
        log.files.push(name);
    }
    if log.samples.is_empty() {
        return Err(UsageError::input(format!(
            "no samples in {}: expected soak --checkpoints output or a monitor's samples log",
            log.files.join(", ")
        )));
    }
    Ok(log)
}

/// One series (the heap, RSS or a component) of one seed: its points and
/// fitted growth.
#[derive(Debug)]
pub(super) struct Series {
    /// What it measures, with its unit: `heap (bytes)`, `orders (entries)`.
    pub label: String,
    pub points: Vec<(u64, u64)>,
    pub slope: f64,
    pub band: f64,
    pub last: u64,
    pub projected: f64,
    /// Whether the growth is kept: the floors of its eighths never fall
    /// and rose at least three times (the growth model's rule).
    pub kept: bool,
}

impl Series {
    fn of(label: String, points: Vec<(u64, u64)>, horizon: u64) -> Series {
        let mut fit = SlopeFit::default();
        for &(x, y) in &points {
            fit.add(x, y);
        }
        let slope = fit.slope();
        let xs: Vec<u64> = points.iter().map(|p| p.0).collect();
        let ys: Vec<f64> = points.iter().map(|p| p.1 as f64).collect();
        let (kept, _, _) = kept_growth(&segment_floors(&xs, &ys));
        Series {
            label,
            kept,
            last: points.last().map_or(0, |p| p.1),
            points,
            slope: slope.bytes_per_candle,
            band: slope.confidence_95,
            projected: slope.bytes_per_candle * horizon as f64,
        }
    }

    /// Growth that is kept (the floor rule) and real (its band excludes
    /// zero): a fill that a cleanup takes back is not growing.
    pub fn growing(&self) -> bool {
        self.kept && self.slope - self.band > 0.0 && self.points.len() >= 10
    }
}

/// One seed's series.
#[derive(Debug)]
pub(super) struct SeedReview {
    pub seed: u64,
    pub heap: Series,
    pub rss: Series,
    pub components: Vec<Series>,
    pub lens: Vec<Series>,
}

/// The review: every seed, the alerts, the replay commands.
#[derive(Debug)]
pub(super) struct Review {
    pub files: Vec<String>,
    pub horizon: u64,
    pub seeds: Vec<SeedReview>,
    pub alerts: Vec<LoggedAlert>,
}

impl Review {
    pub fn of(log: &Log, horizon: u64) -> Review {
        let mut by_seed: BTreeMap<u64, Vec<&Sample>> = BTreeMap::new();
        for sample in &log.samples {
            by_seed.entry(sample.seed).or_default().push(sample);
        }
        let seeds = by_seed
            .into_iter()
            .map(|(seed, samples)| SeedReview {
                seed,
                heap: Series::of(
                    "heap (bytes)".into(),
                    samples.iter().map(|s| (s.candle, s.live_bytes)).collect(),
                    horizon,
                ),
                rss: Series::of(
                    "rss (bytes)".into(),
                    samples.iter().map(|s| (s.candle, s.rss_bytes)).collect(),
                    horizon,
                ),
                components: per_name(&samples, |s| &s.components, "bytes", horizon),
                lens: per_name(&samples, |s| &s.lens, "entries", horizon),
            })
            .collect();
        Review {
            files: log.files.clone(),
            horizon,
            seeds,
            alerts: log.alerts.clone(),
        }
    }
}

fn per_name(
    samples: &[&Sample],
    map: impl Fn(&Sample) -> &BTreeMap<String, u64>,
    unit: &str,
    horizon: u64,
) -> Vec<Series> {
    let mut names: Vec<&String> = samples.iter().flat_map(|s| map(s).keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let points = samples
                .iter()
                .filter_map(|s| map(s).get(name).map(|&v| (s.candle, v)))
                .collect();
            Series::of(format!("{name} ({unit})"), points, horizon)
        })
        .collect()
}
