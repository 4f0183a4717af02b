//! The `heapbound` binary: exit codes, JSON on stdout, errors naming flags.

use std::process::{Command, Output};

fn heapbound(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heapbound"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn simulate_json_is_the_only_thing_on_stdout() {
    let output = heapbound(&["simulate", "--candles", "20000", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");
    assert_eq!(report["seed"], 42);
    assert_eq!(report["candles"], 20000);
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["violations"].as_array().map(Vec::len), Some(0));
    for field in [
        "initial_bytes",
        "final_bytes",
        "growth_bytes",
        "peak_bytes",
        "allocations",
        "deallocations",
        "steady_allocations_per_candle",
    ] {
        assert!(report["heap"][field].is_number(), "heap.{field} missing");
    }
    for component in [
        "session_store",
        "trade_history",
        "metrics",
        "price_cache",
        "candle_window",
        "strategy",
    ] {
        for field in ["bytes", "len", "bound"] {
            assert!(
                report["components"][component][field].is_number(),
                "components.{component}.{field} missing"
            );
        }
    }
    assert!(report["trades"].as_u64().unwrap() > 0);
    assert!(report["candles_per_second"].is_number());
}

#[test]
fn flags_without_subcommand_run_simulate() {
    let output = heapbound(&["--candles", "5000", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["candles"], 5000);
}

#[test]
fn a_broken_ceiling_exits_1_and_names_it() {
    let output = heapbound(&["simulate", "--candles", "5000", "--heap-ceiling", "64KiB"]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("heap-ceiling in bot"), "{text}");
    assert!(text.contains("allowed 65536 bytes"), "{text}");
}

#[test]
fn usage_errors_exit_2_and_name_the_flag() {
    for (args, flag) in [
        (vec!["simulate", "--candles", "0"], "--candles"),
        (vec!["simulate", "--max-sessions", "0"], "--max-sessions"),
        (vec!["simulate", "--heap-ceiling", "12XB"], "--heap-ceiling"),
        (
            vec!["simulate", "--fast", "50", "--slow", "10"],
            "--fast/--slow",
        ),
        (vec!["simulate", "--strategy", "martingale"], "--strategy"),
    ] {
        let output = heapbound(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(flag),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("panicked"));
    }
}

#[test]
fn config_comes_from_a_file_or_inline_json_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bot.json");
    std::fs::write(
        &file,
        r#"{"fee_bps": 7, "max_trades": 50, "keep_trades": 10}"#,
    )
    .unwrap();
    let output = heapbound(&[
        "simulate",
        "--candles",
        "5000",
        "--config",
        file.to_str().unwrap(),
        "--max-trades",
        "60",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["components"]["trade_history"]["bound"], 60,
        "the flag wins"
    );

    for (config, needle) in [
        (r#"{"fee_bps": 5000}"#.to_string(), "--fee-bps"),
        (r#"{"bogus": 1}"#.to_string(), "unknown field `bogus`"),
        ("/nonexistent/bot.json".to_string(), "/nonexistent/bot.json"),
    ] {
        let output = heapbound(&["simulate", "--config", &config]);
        assert_eq!(output.status.code(), Some(2), "{config}");
        assert!(
            stderr(&output).contains(needle),
            "{config}: {}",
            stderr(&output)
        );
    }
}
