//! A panic inside a user's bot is a finding: `simulate`, `replay` and
//! `triage` report it as a `bot-panic` violation with its message and
//! location and exit 1; nothing aborts.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heapbound-double-fill-grid"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Candles, then the same level reported filled twice.
const DOUBLE_FILL: &str = r#"{"seed": 1, "config": {}, "actions": [
  {"candles": 100}, {"bot": {"place": {"level": 3}}},
  {"bot": {"fill": {"level": 3}}}, {"bot": {"fill": {"level": 3}}},
  {"candles": 10}
]}"#;

#[test]
fn replay_and_triage_report_the_panic_as_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("double_fill");
    std::fs::create_dir(&corpus).unwrap();
    let input = corpus.join("double-fill.json");
    std::fs::write(&input, DOUBLE_FILL).unwrap();

    let replay = run(&["replay", input.to_str().unwrap()]);
    let said = text(&replay);
    assert_eq!(replay.status.code(), Some(1), "{said}");
    assert!(
        said.contains("violation: bot-panic in bot at step 3"),
        "{said}"
    );
    assert!(said.contains("attempt to divide by zero"), "{said}");
    assert!(said.contains("src/double_fill.rs:"), "{said}");
    // The command names the binary that was run, not heapbound's (by its
    // path: PATH does not find it here).
    let binary = env!("CARGO_BIN_EXE_heapbound-double-fill-grid");
    let canonical = std::fs::canonicalize(binary).unwrap();
    assert!(
        said.contains(&format!("reproduce: {} replay", canonical.display())),
        "{said}"
    );

    let triage = run(&["triage", corpus.to_str().unwrap()]);
    let said = text(&triage);
    assert_eq!(triage.status.code(), Some(1), "{said}");
    assert!(said.contains("1 x bot-panic in bot"), "{said}");
}

#[test]
fn simulate_reports_the_panic_with_the_candles_reached() {
    let output = run(&["simulate", "--candles", "200000"]);
    let said = text(&output);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(said.contains("bot-panic in bot"), "{said}");
    assert!(said.contains("attempt to divide by zero"), "{said}");
}
