//! The bot's config on the command line: `--config file.json`, flags of the
//! bot's own on top, and `--inject` for a deliberately leaky twin.

use std::fmt::Debug;
use std::path::PathBuf;

use clap::Args;

use crate::bot::Bot;
use crate::defects::{LeakSpec, LeakyConfig};

use super::files::read_file;
use super::units::byte_size;
use super::UsageError;

/// Flags that set fields of a bot's config, flattened into `simulate` and
/// `soak`. Implement it for a `clap::Args` struct of `Option` fields, so a
/// flag given overrides `--config` and one left out keeps it.
pub trait ConfigFlags<C>: Args + Clone + Debug + Send + Sync {
    /// `base` (the default config or `--config`'s) with these flags applied;
    /// an error names the flag.
    fn apply(&self, base: C) -> Result<C, UsageError>;
}

/// No flags beyond `--config`.
#[derive(Args, Clone, Copy, Debug, Default)]
pub struct NoFlags {}

impl<C> ConfigFlags<C> for NoFlags {
    fn apply(&self, base: C) -> Result<C, UsageError> {
        Ok(base)
    }
}

/// The bot flags shared by `simulate` and `soak`.
#[derive(Args, Clone, Debug)]
pub struct BotArgs<F: Args> {
    /// The bot's config as JSON (fields left out take their defaults).
    #[arg(long, value_name = "FILE|JSON")]
    pub config: Option<String>,
    #[command(flatten)]
    pub flags: F,
    /// Heap ceiling for the bot (e.g. 64KiB, 8MiB); default: the sum of its
    /// component budgets.
    #[arg(long, allow_hyphen_values = true, value_parser = byte_size)]
    pub heap_ceiling: Option<u64>,
    /// Plant a leak: `pattern` or `pattern@component` (patterns:
    /// unbounded-vec, rc-cycle, global-cache, forget, undrained-queue,
    /// orphan-keys, slow-drip; default component: the bot's first).
    #[arg(long, value_parser = LeakSpec::parse, value_name = "PATTERN[@COMPONENT]")]
    pub inject: Option<LeakSpec>,
}

/// Reads `--config`: inline JSON when it starts with `{`, else a file.
pub fn read_config<C: serde::de::DeserializeOwned + Default>(
    config: Option<&str>,
) -> Result<C, UsageError> {
    let Some(config) = config else {
        return Ok(C::default());
    };
    let (name, bytes) = if config.trim_start().starts_with('{') {
        ("--config".to_string(), config.as_bytes().to_vec())
    } else {
        let path = PathBuf::from(config);
        (format!("--config {}", path.display()), read_file(&path)?)
    };
    serde_json::from_slice(&bytes).map_err(|error| UsageError::flag(&name, &error.to_string()))
}

impl<F: Args> BotArgs<F> {
    /// The config these flags describe, or a usage error naming the flag.
    pub fn config<B: Bot>(&self) -> Result<B::Config, UsageError>
    where
        F: ConfigFlags<B::Config>,
    {
        let base = read_config::<B::Config>(self.config.as_deref())?;
        self.flags.apply(base)
    }
}

/// The config of `B` with a leak planted.
pub fn leaky<C>(bot: C, leak: &LeakSpec) -> LeakyConfig<C> {
    LeakyConfig {
        bot,
        leak: leak.clone(),
    }
}
