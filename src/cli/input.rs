//! Inputs as files: a fuzz input of the bot's scenario target or of a
//! built-in target, as raw bytes or JSON.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::bot::Bot;
use crate::defects::{LeakSpec, Leaky};
use crate::harness::{check_scenario_with, Failure, RunOptions, Scenario, StepTrace};
use crate::targets::{Builtin, BuiltinInput};

use super::bot_args::leaky;
use super::UsageError;

/// The name of the bot's scenario target when nothing else names it.
pub const SCENARIO_TARGET: &str = "actions";

/// A decoded input.
pub enum Input<B: Bot> {
    /// A scenario of the bot, under the target name it was found for.
    Scenario(String, Scenario<B>),
    /// An input of a built-in target.
    Builtin(BuiltinInput),
}

/// A scenario as JSON with its target named: `{"target": ..., "input": ...}`.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct TaggedScenario<B: Bot> {
    target: String,
    input: Scenario<B>,
}

impl<B: Bot> Input<B> {
    /// The target's name.
    pub fn target(&self) -> String {
        match self {
            Input::Scenario(target, _) => target.clone(),
            Input::Builtin(input) => input.target().to_string(),
        }
    }

    /// Steps the input drives.
    pub fn steps(&self) -> usize {
        match self {
            Input::Scenario(_, scenario) => scenario.actions.len(),
            Input::Builtin(input) => input.steps(),
        }
    }

    /// The input as readable JSON, with its target named.
    pub fn to_json(&self) -> String {
        let json = match self {
            Input::Scenario(target, scenario) => serde_json::to_string_pretty(&TaggedScenario {
                target: target.clone(),
                input: scenario.clone(),
            }),
            Input::Builtin(input) => serde_json::to_string_pretty(input),
        };
        json.unwrap_or_default()
    }

    /// Decodes raw fuzz bytes of `target`.
    pub fn from_fuzz_bytes(target: &str, bytes: &[u8]) -> Result<Input<B>, String> {
        match Builtin::from_name(target) {
            Some(builtin) => BuiltinInput::from_fuzz_bytes(builtin, bytes)
                .map(Input::Builtin)
                .map_err(|error| error.to_string()),
            None => Scenario::from_target_bytes(target, bytes)
                .map(|scenario| Input::Scenario(target.to_string(), scenario))
                .map_err(|error| format!("not a valid {target} input: {error}")),
        }
    }

    /// Runs every check, with `leak` planted in the bot if given, calling
    /// `trace` after each step of a scenario.
    pub fn check(
        &self,
        leak: Option<&LeakSpec>,
        trace: &mut dyn FnMut(&StepTrace<'_, B::Action>),
    ) -> Result<(), Failure> {
        let options = RunOptions::default();
        match (self, leak) {
            (Input::Builtin(input), _) => input.check().map_err(Failure::one),
            (Input::Scenario(_, scenario), None) => {
                check_scenario_with(scenario, &options, trace).map(|_| ())
            }
            (Input::Scenario(_, scenario), Some(leak)) => {
                let scenario = scenario
                    .clone()
                    .map_config::<Leaky<B>>(|config| leaky(config, leak));
                check_scenario_with(&scenario, &options, trace).map(|_| ())
            }
        }
    }
}

fn target_from_path(path: &Path) -> Option<String> {
    Some(path.parent()?.file_name()?.to_str()?.to_string())
}

/// The `--target` flag that reads `bytes` from `path` as `input` again:
/// none for JSON (which names its target) or a raw file in its target's
/// folder.
pub fn target_flag<B: Bot>(path: &Path, bytes: &[u8], input: &Input<B>) -> String {
    let target = input.target();
    let json = serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok();
    if json || target_from_path(path).as_deref() == Some(target.as_str()) {
        String::new()
    } else {
        format!(" --target {target}")
    }
}

/// Decodes `bytes` read from `path`: JSON if it parses as an input, else raw
/// fuzz bytes of `target` (default: the folder's name, else the scenario).
pub fn decode<B: Bot>(
    path: &Path,
    bytes: &[u8],
    target: Option<&str>,
) -> Result<Input<B>, UsageError> {
    let name = path.display().to_string();
    let explicit = target.is_some();
    let target = target
        .map(str::to_string)
        .or_else(|| target_from_path(path));
    if let Ok(input) = serde_json::from_slice::<BuiltinInput>(bytes) {
        return Ok(Input::Builtin(input));
    }
    if let Ok(tagged) = serde_json::from_slice::<TaggedScenario<B>>(bytes) {
        return Ok(Input::Scenario(tagged.target, tagged.input));
    }
    match serde_json::from_slice::<Scenario<B>>(bytes) {
        Ok(scenario) => {
            let target = target.unwrap_or_else(|| SCENARIO_TARGET.to_string());
            return Ok(Input::Scenario(target, scenario));
        }
        // Text that opens like JSON, with no --target to read it as raw
        // bytes instead, was meant as JSON: say why it is not an input.
        Err(error)
            if !explicit && bytes.first() == Some(&b'{') && std::str::from_utf8(bytes).is_ok() =>
        {
            return Err(UsageError::flag(
                &name,
                &format!("invalid JSON input: {error}"),
            ));
        }
        Err(_) => {}
    }
    let target = target.unwrap_or_else(|| SCENARIO_TARGET.to_string());
    // A folder that names no built-in target holds the bot's scenarios.
    Input::from_fuzz_bytes(&target, bytes).map_err(|error| UsageError::flag(&name, &error))
}
