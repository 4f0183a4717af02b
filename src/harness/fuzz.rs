//! The body of a bot's fuzz target.

use crate::bot::Bot;

use super::play::check_scenario;
use super::scenario::Scenario;

/// Decodes `data` as a [`Scenario`] of `B`, plays it with every check, and
/// on a violation panics with the report, so libFuzzer saves the input as a
/// crash. Call it from `fuzz_target!`:
///
/// ```ignore
/// libfuzzer_sys::fuzz_target!(|data: &[u8]| heapbound::fuzz::<MyBot>(data));
/// ```
///
/// The config is fixed as [`Bot::fuzz_config`] says for the running
/// target (the fuzz binary's name). The report names the crash file
/// libFuzzer writes and replays it with the command line README's "Prove
/// your own bot" sets up ([`DEFAULT_REPLAY`]); [`fuzz_with`] names your own.
pub fn fuzz<B: Bot>(data: &[u8]) {
    fuzz_with::<B>(data, DEFAULT_REPLAY);
}

/// The command that replays a crash of [`fuzz`]: the bot's command line
/// as README sets it up (`src/bin/heapbound.rs` behind a `cli` feature).
pub const DEFAULT_REPLAY: &str = "cargo run --release --features cli --bin heapbound -- replay";

/// [`fuzz`], naming the command that replays a crash: `replay` is
/// followed by the crash file ([`crash_file`]), e.g.
/// `"cargo run --release --bin my-bot -- replay"`.
pub fn fuzz_with<B: Bot>(data: &[u8], replay: &str) {
    if let Ok(scenario) = Scenario::<B>::from_target_bytes(running_target(), data) {
        check_or_panic_with(&scenario, || format!("{replay} {}", crash_file(data)));
    }
}

/// The running fuzz target's name: cargo-fuzz names its binary after it.
/// Read once: a fuzz target asks on every input.
fn running_target() -> &'static str {
    static TARGET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TARGET.get_or_init(|| {
        std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.file_stem()?.to_str()?.to_string()))
            .unwrap_or_else(|| "<target>".to_string())
    })
}

/// Where cargo-fuzz's libFuzzer writes `data` when it crashes:
/// `fuzz/artifacts/<target>/crash-<SHA-1 of data>`, the target being the
/// running fuzz binary's name. `replay` reads a raw file as an input of
/// the target its folder names.
pub fn crash_file(data: &[u8]) -> String {
    format!(
        "fuzz/artifacts/{}/crash-{}",
        running_target(),
        sha1_smol::Sha1::from(data).digest()
    )
}

/// Plays `scenario` with every check; on a violation panics with the
/// report and `reproduce`. For fuzz targets that adapt the decoded
/// scenario first (plant a leak, wrap the bot).
pub fn check_or_panic<B: Bot>(scenario: &Scenario<B>, reproduce: &str) {
    check_or_panic_with(scenario, || reproduce.to_string());
}

/// [`check_or_panic`] with the command made only on a violation (naming
/// the [`crash_file`] hashes the input: not on every one).
pub fn check_or_panic_with<B: Bot>(scenario: &Scenario<B>, reproduce: impl FnOnce() -> String) {
    if let Err(failure) = check_scenario(scenario) {
        panic!("{}", failure.reproduced_by(reproduce()));
    }
}

/// Plays `scenario` with every check; on a violation writes it as JSON to
/// `json_path` (whole or not at all) and panics with the report and
/// `"{replay} {json_path}"`. For fuzz targets that adapt the decoded
/// scenario (plant a defect chosen outside the bytes, wrap the bot): the
/// crash file alone would not replay the adaptation, the JSON does.
pub fn check_or_save<B: Bot>(scenario: &Scenario<B>, json_path: &std::path::Path, replay: &str) {
    check_or_panic_with(scenario, || {
        let written = serde_json::to_vec_pretty(scenario)
            .map_err(std::io::Error::other)
            .and_then(|json| crate::write::write_whole(json_path, &json));
        match written {
            Ok(()) => format!("{replay} {}", json_path.display()),
            Err(error) => format!(
                "{replay} <scenario> (writing {} failed: {error})",
                json_path.display()
            ),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crash_file_is_named_by_the_inputs_sha1_as_libfuzzer_names_it() {
        let path = crash_file(b"abc");
        assert!(
            path.ends_with("/crash-a9993e364706816aba3e25717850c26c9cd0d89d"),
            "{path}"
        );
        assert!(path.starts_with("fuzz/artifacts/"), "{path}");
    }
}
