//! The bot's config on the command line: `--config file.json`, flags of the
//! bot's own on top, and `--inject` for a deliberately leaky twin.

use std::fmt::Debug;
use std::path::PathBuf;

use clap::Args;

use crate::bot::Bot;
use crate::defects::{LeakSpec, LeakyConfig};

use super::files::read_file;
use super::units::byte_size;
use super::{Outcome, UsageError};

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

/// A bot in its own process, driven over `PROTOCOL.md`.
#[derive(Args, Clone, Debug, Default)]
pub struct ExecArgs {
    /// Run the bot as a child process (through `sh -c`) and drive it over
    /// JSON Lines, e.g. `--exec "python3 examples/python/guide_bot.py"`;
    /// `--config` is sent to it in `hello`.
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// With --exec: append the bot's stderr here instead of passing it through.
    #[arg(long, value_name = "FILE", requires = "exec")]
    pub bot_log: Option<PathBuf>,
    /// With --exec: seconds to wait for any answer before the bot is killed.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// With --exec: fail when the bot process's RSS passes this (e.g. 512MiB).
    #[arg(long, allow_hyphen_values = true, value_parser = byte_size, requires = "exec")]
    pub rss_ceiling: Option<u64>,
    /// With --exec: the longest answer line accepted (a longer one fails
    /// the bot as flooding).
    #[arg(long, value_parser = byte_size, default_value = "16MiB", value_name = "SIZE")]
    pub max_line: u64,
}

impl ExecArgs {
    /// ` --exec "CMD"` for a reproduction command, when a bot process runs.
    pub fn flag(&self) -> String {
        self.exec
            .as_deref()
            .map(|command| format!(" --exec {command:?}"))
            .unwrap_or_default()
    }

    /// The process bot's config, when `--exec` is given.
    #[cfg(unix)]
    pub fn external(
        &self,
        config: Option<&str>,
    ) -> Result<Option<crate::external::ExternalConfig>, UsageError> {
        let Some(command) = &self.exec else {
            return Ok(None);
        };
        let value = match config {
            Some(_) => read_config::<serde_json::Value>(config)?,
            None => serde_json::json!({}),
        };
        Ok(Some(crate::external::ExternalConfig {
            command: command.clone(),
            config: value,
            timeout_seconds: self.timeout,
            bot_log: self.bot_log.clone(),
            rss_ceiling: self.rss_ceiling,
            max_line_bytes: usize::try_from(self.max_line).unwrap_or(usize::MAX),
            reuse: None,
            coverage: false,
        }))
    }
}

/// The bot flags shared by `simulate` and `soak`.
#[derive(Args, Clone, Debug)]
pub struct BotArgs<F: Args> {
    #[command(flatten)]
    pub exec: ExecArgs,
    /// The bot's config as JSON (fields left out take their defaults).
    #[arg(long, value_name = "FILE|JSON")]
    pub config: Option<String>,
    #[command(flatten)]
    pub flags: F,
    /// Heap ceiling for the bot (e.g. 64KiB, 8MiB); default: the sum of its
    /// component budgets plus 256 B for its own small state (none when a
    /// component states no budget; one whose bytes are `within` another
    /// adds nothing).
    #[arg(long, allow_hyphen_values = true, value_parser = byte_size)]
    pub heap_ceiling: Option<u64>,
    /// Plant a leak: `pattern` or `pattern@component` (patterns:
    /// unbounded-vec, rc-cycle, global-cache, forget, undrained-queue,
    /// orphan-keys, slow-drip; default component: the bot's first).
    #[arg(
        long,
        value_parser = LeakSpec::parse,
        value_name = "PATTERN[@COMPONENT]",
        conflicts_with = "exec"
    )]
    pub inject: Option<LeakSpec>,
}

/// Reads `--config`: inline JSON when it starts with `{`, else a file.
pub fn read_config<C: serde::de::DeserializeOwned>(config: Option<&str>) -> Result<C, UsageError> {
    let Some(config) = config else {
        return serde_json::from_str("{}")
            .map_err(|error| UsageError::flag("--config", &error.to_string()));
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
    /// The process bot's config when `--exec` is given; refuses the bot's
    /// own flags with it (they set fields of this binary's bot, which a
    /// bot process never sees: its settings go in `--config`).
    #[cfg(unix)]
    pub fn external<B: Bot>(&self) -> Result<Option<crate::external::ExternalConfig>, UsageError>
    where
        F: ConfigFlags<B::Config>,
    {
        let Some(external) = self.exec.external(self.config.as_deref())? else {
            return Ok(None);
        };
        let untouched = serde_json::to_value(B::Config::default()).ok();
        let flagged = serde_json::to_value(self.flags.apply(B::Config::default())?).ok();
        if untouched != flagged {
            return Err(UsageError::flag(
                "--exec",
                &format!(
                    "flags of the {} bot do not reach a bot process; put its settings in --config (sent to it in hello)",
                    B::NAME
                ),
            ));
        }
        Ok(Some(external))
    }

    /// The config these flags describe, or a usage error naming the flag.
    pub fn config<B: Bot>(&self) -> Result<B::Config, UsageError>
    where
        F: ConfigFlags<B::Config>,
    {
        let given = read_config::<serde_json::Value>(self.config.as_deref())?;
        let base = over_default::<B::Config>(given).map_err(|error| {
            let name = match self.config.as_deref() {
                Some(file) if !file.trim_start().starts_with('{') => format!("--config {file}"),
                _ => "--config".to_string(),
            };
            UsageError::flag(&name, &error.to_string())
        })?;
        self.flags.apply(base)
    }
}

/// The config `given` (a JSON object) laid over the bot's `Default`, so
/// fields left out take their defaults whether or not the config type says
/// `#[serde(default)]` (nested objects are merged the same way).
fn over_default<C: Default + serde::Serialize + serde::de::DeserializeOwned>(
    given: serde_json::Value,
) -> Result<C, serde_json::Error> {
    let mut merged = serde_json::to_value(C::default())?;
    merge(&mut merged, given);
    serde_json::from_value(merged)
}

fn merge(base: &mut serde_json::Value, given: serde_json::Value) {
    match (base, given) {
        (serde_json::Value::Object(base), serde_json::Value::Object(given)) => {
            for (key, value) in given {
                match base.get_mut(&key) {
                    Some(slot) => merge(slot, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, given) => *base = given,
    }
}

/// A subcommand's work on one kind of bot, for [`dispatch`]: generic over
/// the bot, so one dispatch serves every subcommand.
pub(crate) trait BotJob {
    /// Runs the job on bot `B` built from `config`.
    fn run<B: Bot>(&self, config: &B::Config) -> Result<Outcome, UsageError>;

    /// Whether the job plays many short scenarios guided by what the bot
    /// does: a bot process is then kept between runs (rebuilt with
    /// `reset`) and asked for its coverage.
    fn explores(&self) -> bool {
        false
    }
}

/// Runs `job` on the bot the flags name: a bot process (`--exec`), the
/// bot with a leak planted (`--inject`), or the bot itself.
pub(crate) fn dispatch<B: Bot, F: ConfigFlags<B::Config>>(
    args: &BotArgs<F>,
    job: &impl BotJob,
) -> Result<Outcome, UsageError> {
    #[cfg(unix)]
    if let Some(mut external) = args.external::<B>()? {
        if job.explores() {
            external.reuse = Some(crate::external::ProcessPool::default());
            external.coverage = true;
        }
        return job.run::<crate::external::ExternalBot>(&external);
    }
    let config = args.config::<B>()?;
    match &args.inject {
        None => job.run::<B>(&config),
        Some(leak) => job.run::<crate::defects::Leaky<B>>(&leaky(config, leak)),
    }
}

/// The config of `B` with a leak planted.
pub fn leaky<C>(bot: C, leak: &LeakSpec) -> LeakyConfig<C> {
    LeakyConfig {
        bot,
        leak: leak.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config as README's bot writes it: no `#[serde(default)]`.
    #[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Plain {
        max_fills: u8,
        symbol: String,
        inner: Inner,
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Inner {
        fast: u32,
        slow: u32,
    }

    impl Default for Inner {
        fn default() -> Self {
            Inner { fast: 20, slow: 60 }
        }
    }

    #[test]
    fn fields_left_out_take_their_defaults() {
        let given = serde_json::json!({"max_fills": 50, "inner": {"slow": 90}});
        let config: Plain = over_default(given).unwrap();
        assert_eq!(
            config,
            Plain {
                max_fills: 50,
                symbol: String::new(),
                inner: Inner { fast: 20, slow: 90 },
            }
        );
        let wrong = serde_json::json!({"max_fills": "many"});
        let error = over_default::<Plain>(wrong).unwrap_err().to_string();
        assert!(error.contains("invalid type: string"), "{error}");
    }
}
