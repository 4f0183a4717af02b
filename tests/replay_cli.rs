//! `heapbound replay`, `triage` and `corpus` from the command line.

use std::process::{Command, Output};

/// Runs the binary as an installed one: `PATH` finds it by its name, so
/// its reproduction commands name it so.
fn heapbound(args: &[&str], inject: Option<&str>) -> Output {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_heapbound"));
    let path = std::env::join_paths(
        std::iter::once(binary.parent().unwrap().to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .unwrap();
    let mut command = Command::new(binary);
    command.env("PATH", path);
    // The library reads no environment: a developer with the fuzz target's
    // HEAPBOUND_INJECT exported sees the same results.
    command.args(args).env("HEAPBOUND_INJECT", "unbounded-vec");
    if let Some(leak) = inject {
        command.args(["--inject", leak]);
    }
    command.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/actions/seed-003");

#[test]
fn replay_passes_a_seed_and_saves_it_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("seed.json");
    let output = heapbound(
        &["replay", SEED, "--save-json", json.to_str().unwrap()],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("pass: every check held (actions)"));
    assert!(
        text(&output.stderr).contains("\"target\": \"actions\""),
        "the input is printed readably"
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(saved["target"], "actions");
    let again = heapbound(&["replay", json.to_str().unwrap()], None);
    assert_eq!(again.status.code(), Some(0));
}

#[test]
fn replay_of_a_failing_input_prints_the_trace_violation_and_command() {
    let output = heapbound(&["replay", SEED], Some("unbounded-vec@candle_window"));
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("violation: component-budget in candle_window"),
        "{stdout}"
    );
    assert!(
        stdout.contains("reproduce: heapbound replay")
            && stdout.contains("--inject unbounded-vec@candle_window"),
        "{stdout}"
    );
    assert!(
        text(&output.stderr).contains("<- violation"),
        "the step trace marks the step"
    );
}

#[test]
fn replay_refuses_missing_files_and_garbage_json_with_exit_2() {
    let output = heapbound(&["replay", "/nonexistent/crash-1"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("/nonexistent/crash-1"));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"target\": \"nope\"}").unwrap();
    let output = heapbound(&["replay", bad.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("invalid JSON input"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn triage_groups_failures_and_prints_one_command_per_group() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/actions");
    let clean = heapbound(&["triage", corpus], None);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stdout));
    assert!(text(&clean.stdout).contains("0 fail in 0 groups"));

    let leaky = heapbound(&["triage", corpus], Some("unbounded-vec@candle_window"));
    assert_eq!(leaky.status.code(), Some(1));
    let stdout = text(&leaky.stdout);
    assert!(stdout.contains("in candle_window"), "{stdout}");
    assert_eq!(
        stdout.matches("reproduce: heapbound replay").count(),
        stdout.matches(" x ").count()
    );
}

#[test]
fn corpus_writes_passing_multi_step_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let output = heapbound(
        &[
            "corpus",
            "--out",
            dir.path().to_str().unwrap(),
            "--per-target",
            "3",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    for target in [
        "actions",
        "candles",
        "session_store",
        "trade_history",
        "ring_buffer",
        "price_cache",
    ] {
        assert_eq!(
            std::fs::read_dir(dir.path().join(target)).unwrap().count(),
            3,
            "{target}"
        );
    }
}

#[test]
fn corpus_saves_a_failing_seed_where_replay_reads_it_and_says_how() {
    let dir = tempfile::tempdir().unwrap();
    let (out, failing) = (dir.path().join("corpus"), dir.path().join("artifacts"));
    let output = heapbound(
        &[
            "corpus",
            "--out",
            out.to_str().unwrap(),
            "--failing",
            failing.to_str().unwrap(),
            "--target",
            "actions",
            "--per-target",
            "2",
        ],
        Some("unbounded-vec@candle_window"),
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    let saved: Vec<_> = std::fs::read_dir(failing.join("actions"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(saved.len(), 2, "{stderr}");
    assert!(
        !out.join("actions").exists(),
        "no failing seed in the corpus"
    );
    for path in saved {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        assert!(name.starts_with("crash-"), "{name}");
        let command = format!(
            "reproduce: heapbound replay {} --inject unbounded-vec@candle_window",
            path.display()
        );
        assert!(stderr.contains(&command), "{stderr}");
        // The folder names the target: the file replays to the same failure.
        let replayed = heapbound(
            &["replay", path.to_str().unwrap()],
            Some("unbounded-vec@candle_window"),
        );
        assert_eq!(replayed.status.code(), Some(1));
    }
    // ChaCha seed 0 decodes to too few steps; 1 and 2 are the first tried.
    assert!(
        stderr.contains("chacha seed 1 of actions fails"),
        "{stderr}"
    );
    assert!(
        stderr.contains("chacha seed 2 of actions fails"),
        "{stderr}"
    );
}

#[test]
fn a_binary_path_does_not_find_is_named_by_its_path_so_the_command_runs() {
    let binary = std::fs::canonicalize(env!("CARGO_BIN_EXE_heapbound")).unwrap();
    let output = Command::new(&binary)
        .args(["replay", SEED, "--inject", "unbounded-vec@candle_window"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(&format!("reproduce: {} replay {SEED}", binary.display())),
        "{stdout}"
    );
}
