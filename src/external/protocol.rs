//! The answers of protocol version 1 (`PROTOCOL.md`).

use serde::Deserialize;

use super::child::{BotProcess, ProcessFailure};

/// The protocol version heapbound speaks.
pub const PROTOCOL_VERSION: u64 = 1;

/// A component as `hello` declares it.
#[derive(Clone, Debug, Deserialize)]
pub struct Declared {
    pub name: String,
    pub bound: usize,
}

/// A component as `sample` reports it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Reported {
    pub name: String,
    #[serde(default)]
    pub len: usize,
    #[serde(default)]
    pub bytes: Option<u64>,
}

/// The heap as the bot measures it.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
pub struct Heap {
    #[serde(default)]
    pub current: u64,
    #[serde(default)]
    pub peak: u64,
}

/// A broken invariant the bot reports.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReportedViolation {
    pub invariant: String,
    #[serde(default)]
    pub observed: f64,
    #[serde(default)]
    pub allowed: f64,
    #[serde(default)]
    pub unit: String,
}

/// The answer to `sample`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Sample {
    #[serde(default)]
    pub components: Vec<Reported>,
    #[serde(default)]
    pub heap: Heap,
    #[serde(default)]
    pub violations: Vec<ReportedViolation>,
    #[serde(default)]
    pub trades: Option<u64>,
    #[serde(default)]
    pub equity: Option<f64>,
    /// Lines of the bot first run since the last sample, when `hello`
    /// asked for coverage and the bot can say.
    #[serde(default)]
    pub coverage: Option<Vec<u32>>,
}

/// Any answer.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Answer {
    Hello {
        protocol: u64,
        #[serde(default)]
        bot: String,
        #[serde(default)]
        components: Vec<Declared>,
        /// How the bot wants its candles (`json` when left out).
        #[serde(default)]
        candle_encoding: Option<String>,
    },
    Ok {
        #[serde(default)]
        fills: Option<u64>,
        #[serde(default)]
        cleanups: Option<u64>,
    },
    Refused {
        #[serde(default)]
        #[allow(dead_code)]
        reason: String,
    },
    Sample(Sample),
    Bye,
    Error {
        #[serde(default)]
        message: String,
    },
}

impl Answer {
    /// Its `type`, as on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Answer::Hello { .. } => "hello",
            Answer::Ok { .. } => "ok",
            Answer::Refused { .. } => "refused",
            Answer::Sample(_) => "sample",
            Answer::Bye => "bye",
            Answer::Error { .. } => "error",
        }
    }
}

/// Parses one answer line, which must be of one of the `expected` types;
/// `error` answers, answers of another type and lines that are not the
/// protocol are failures naming the request and the line.
pub fn parse(line: &str, what: &str, expected: &[&str]) -> Result<Answer, ProcessFailure> {
    match serde_json::from_str::<Answer>(line) {
        Ok(Answer::Error { message }) => Err(BotProcess::protocol(
            what,
            format!("the bot answered error: {message}"),
            line,
        )),
        Ok(answer) if expected.contains(&answer.kind()) => Ok(answer),
        Ok(answer) => Err(BotProcess::protocol(
            what,
            format!(
                "expected an answer of type {}, got {}",
                expected.join(" or "),
                answer.kind()
            ),
            line,
        )),
        Err(error) => Err(BotProcess::protocol(what, error.to_string(), line)),
    }
}

/// The components `hello` declares, each name once.
pub fn declared(components: &[Declared]) -> Result<Vec<(&str, usize)>, String> {
    let mut names = std::collections::BTreeSet::new();
    for component in components {
        if !names.insert(component.name.as_str()) {
            return Err(format!(
                "field components: {:?} is declared twice",
                component.name
            ));
        }
    }
    Ok(components
        .iter()
        .map(|component| (component.name.as_str(), component.bound))
        .collect())
}

/// Counters a bot reports, which only go up between resets.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters {
    pub fills: u64,
    pub cleanups: u64,
    pub trades: u64,
}

/// `new` when it is not below `old`, else a reason naming `field`.
pub fn not_down(field: &str, old: u64, new: Option<u64>) -> Result<u64, String> {
    match new {
        Some(new) if new < old => Err(format!(
            "field {field}: went down from {old} to {new} (counters only go up)"
        )),
        Some(new) => Ok(new),
        None => Ok(old),
    }
}

/// Checks a sample against the declared components (each exactly once, no
/// other), the heap (peak not below current) and the counters.
pub fn check_sample(
    sample: &Sample,
    declared: &[(&'static str, usize)],
    counters: &mut Counters,
) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for component in &sample.components {
        if !declared.iter().any(|(name, _)| *name == component.name) {
            return Err(format!(
                "field components: {:?} was not declared in hello",
                component.name
            ));
        }
        if !seen.insert(component.name.as_str()) {
            return Err(format!(
                "field components: {:?} is reported twice",
                component.name
            ));
        }
    }
    if let Some((missing, _)) = declared.iter().find(|(name, _)| !seen.contains(name)) {
        return Err(format!("field components: {missing:?} is missing"));
    }
    if sample.heap.peak < sample.heap.current {
        return Err(format!(
            "field heap: peak {} is below current {}",
            sample.heap.peak, sample.heap.current
        ));
    }
    counters.trades = not_down("trades", counters.trades, sample.trades)?;
    Ok(())
}
