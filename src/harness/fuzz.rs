//! The body of a bot's fuzz target.

use crate::bot::Bot;

use super::play::check_scenario_with;
use super::run::RunOptions;
use super::scenario::Scenario;

/// Decodes `data` as a [`Scenario`] of `B`, plays it with every check, and
/// on a violation panics with the report, so libFuzzer saves the input as a
/// crash. Call it from `fuzz_target!`:
///
/// ```ignore
/// libfuzzer_sys::fuzz_target!(|data: &[u8]| heapbound::fuzz::<MyBot>(data));
/// ```
///
/// The report says to replay the crash with `cargo run --release -- replay`;
/// use [`fuzz_with`] to name your own command.
pub fn fuzz<B: Bot>(data: &[u8]) {
    fuzz_with::<B>(
        data,
        "cargo run --release -- replay fuzz/artifacts/<target>/<crash-file>",
    );
}

/// [`fuzz`], naming the command that replays a crash.
pub fn fuzz_with<B: Bot>(data: &[u8], reproduce: &str) {
    if let Ok(scenario) = Scenario::<B>::from_fuzz_bytes(data) {
        check_or_panic(&scenario, reproduce);
    }
}

/// Plays `scenario` with every check; on a violation panics with the
/// report and `reproduce`. For fuzz targets that adapt the decoded
/// scenario first (plant a leak, wrap the bot).
pub fn check_or_panic<B: Bot>(scenario: &Scenario<B>, reproduce: &str) {
    if let Err(failure) = check_scenario_with(scenario, &RunOptions::default(), &mut |_| {}) {
        panic!("{}", failure.reproduced_by(reproduce));
    }
}

/// Plays `scenario` with every check; on a violation writes it as JSON to
/// `json_path` (whole or not at all) and panics with the report and
/// `"{replay} {json_path}"`. For fuzz targets that adapt the decoded
/// scenario (plant a defect chosen outside the bytes, wrap the bot): the
/// crash file alone would not replay the adaptation, the JSON does.
pub fn check_or_save<B: Bot>(scenario: &Scenario<B>, json_path: &std::path::Path, replay: &str) {
    let Err(failure) = check_scenario_with(scenario, &RunOptions::default(), &mut |_| {}) else {
        return;
    };
    let written = serde_json::to_vec_pretty(scenario)
        .map_err(std::io::Error::other)
        .and_then(|json| crate::write::write_whole(json_path, &json));
    let command = match written {
        Ok(()) => format!("{replay} {}", json_path.display()),
        Err(error) => format!(
            "{replay} <scenario> (writing {} failed: {error})",
            json_path.display()
        ),
    };
    panic!("{}", failure.reproduced_by(command));
}
