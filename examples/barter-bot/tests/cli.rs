//! heapbound's command line on barter: barter logs warnings inside the
//! bot (a reconnect), and the CLI's log subscriber must not charge its
//! buffers to the bot, or the bot's teardown would report them as a leak.

use std::process::Command;

fn heapbound_barter(args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_heapbound-barter"))
        .args(args)
        .output()
        .expect("the CLI runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn the_bots_logged_warnings_are_not_its_teardown_leak() {
    let config = std::env::temp_dir().join(format!("barter-retention-{}.json", std::process::id()));
    std::fs::write(
        &config,
        r#"{"retention": true, "refuse_empty_orders": true}"#,
    )
    .unwrap();
    let config = config.to_str().unwrap();
    for log in ["warn", "error"] {
        let (passed, report) = heapbound_barter(&[
            "simulate",
            "--candles",
            "100000",
            "--config",
            config,
            "--log",
            log,
        ]);
        assert!(passed, "--log {log}:\n{report}");
        assert!(
            report.contains("verdict             PASS"),
            "--log {log}:\n{report}"
        );
    }
}

#[test]
fn the_panic_file_in_the_corpus_replays_as_a_bot_panic() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../corpus/barter-findings/zero-quantity-panic.json"
    );
    let (passed, report) = heapbound_barter(&["replay", file]);
    assert!(!passed, "{report}");
    assert!(
        report.contains("violation: bot-panic in bot at step 3"),
        "{report}"
    );
}
