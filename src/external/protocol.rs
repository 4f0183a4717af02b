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

/// Parses one answer line; `error` answers and lines that are not the
/// protocol are failures naming the line.
pub fn parse(line: &str, what: &str) -> Result<Answer, ProcessFailure> {
    match serde_json::from_str::<Answer>(line) {
        Ok(Answer::Error { message }) => Err(BotProcess::protocol(
            what,
            format!("the bot answered error: {message}"),
            line,
        )),
        Ok(answer) => Ok(answer),
        Err(error) => Err(BotProcess::protocol(what, error.to_string(), line)),
    }
}
