//! How to run a bot process, and the config it is sent in `hello`.

use arbitrary::{Arbitrary, Unstructured};
use serde::{Deserialize, Serialize};

use super::child::DEFAULT_MAX_LINE;

/// How to run the bot process, and the config it is sent in `hello`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ExternalConfig {
    /// The command, run by `sh -c` (e.g. `python3 examples/python/guide_bot.py`).
    pub command: String,
    /// The bot's own config, sent as is.
    #[serde(default)]
    pub config: serde_json::Value,
    /// Seconds to wait for any answer before the bot is killed.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: f64,
    /// Append the bot's stderr to this file instead of heapbound's stderr.
    #[serde(default)]
    pub bot_log: Option<std::path::PathBuf>,
    /// Fail when the process's resident set passes this many bytes.
    #[serde(default)]
    pub rss_ceiling: Option<u64>,
    /// The longest answer line accepted, in bytes.
    #[serde(default = "default_max_line")]
    pub max_line_bytes: usize,
    /// Keep processes between runs and rebuild the bot with `reset`
    /// (`explore` sets it: its scenarios are short, starting a process is
    /// not). `None`, the default: a fresh process per run. Never saved.
    #[serde(skip)]
    pub reuse: Option<super::ProcessPool>,
    /// Ask the bot for the lines of its code it runs (`"coverage": true`
    /// in `hello`), which guided `explore` keeps scenarios for. Never
    /// saved.
    #[serde(skip)]
    pub coverage: bool,
}

fn default_max_line() -> usize {
    DEFAULT_MAX_LINE
}

fn default_timeout() -> f64 {
    10.0
}

// Configs are not drawn: a command cannot be. Explorers keep the config and
// draw the actions (see `harness::explore`).
impl<'a> Arbitrary<'a> for ExternalConfig {
    fn arbitrary(_: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(ExternalConfig::default())
    }
}
