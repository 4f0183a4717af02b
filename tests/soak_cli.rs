//! `heapbound soak`: JSON report, checkpoints, plot, exit codes, Ctrl-C.

use std::process::{Command, Output, Stdio};

fn heapbound(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heapbound"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn soak_writes_report_checkpoints_and_plot() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = dir.path().join("out.jsonl");
    let plot = dir.path().join("heap.svg");
    let output = heapbound(&[
        "soak",
        "--seeds",
        "1..4",
        "--candles",
        "200000",
        "--checkpoint-every",
        "50000",
        "--format",
        "json",
        "--checkpoints",
        checkpoints.to_str().unwrap(),
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["partial"], false);
    let seeds = report["seeds"].as_array().unwrap();
    assert_eq!(seeds.len(), 3);
    for (seed, entry) in (1..4).zip(seeds) {
        assert_eq!(entry["seed"], seed);
        assert_eq!(entry["verdict"], "pass");
        assert_eq!(entry["candles"], 200000);
        assert_eq!(entry["leak"]["verdict"], "flat");
        assert!(entry["heap"]["peak_bytes"].as_u64().unwrap() > 0);
    }
    let summary = &report["summary"];
    assert_eq!(
        (
            summary["seeds"].as_u64(),
            summary["passed"].as_u64(),
            summary["failed"].as_u64()
        ),
        (Some(3), Some(3), Some(0))
    );
    assert_eq!(summary["candles"], 600000);
    assert!(summary["worst_peak_bytes"].as_u64().unwrap() > 0);

    let mut lines: Vec<serde_json::Value> = std::fs::read_to_string(&checkpoints)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 3 * 4, "4 checkpoints per seed");
    // Lines are appended as taken, seeds interleaved.
    lines.sort_by_key(|line| (line["seed"].as_u64(), line["candle"].as_u64()));
    assert_eq!(lines[0]["seed"], 1);
    assert_eq!(lines[0]["candle"], 50000);
    assert_eq!(lines[3]["candle"], 200000);
    for field in ["live_bytes", "rss_bytes", "trades", "equity"] {
        assert!(lines[0][field].is_number(), "{field}");
    }
    assert!(lines[0]["components"]["trade_history"].is_number());

    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("polyline"),
        "not an SVG plot"
    );
    assert!(svg.contains("seed 1"));
}

#[test]
fn a_leaking_seed_fails_the_soak() {
    let output = heapbound(&[
        "soak",
        "--seeds",
        "1..3",
        "--candles",
        "50000",
        "--inject",
        "unbounded-vec",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["failed"], 2);
    assert_eq!(report["seeds"][0]["verdict"], "fail");
}

#[test]
fn alerts_warn_on_stderr() {
    let output = heapbound(&[
        "soak",
        "--seeds",
        "1",
        "--candles",
        "20000",
        "--alert-heap",
        "1KiB",
        "--alert-rss",
        "1KiB",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bot heap passed --alert-heap"), "{stderr}");
    assert!(stderr.contains("RSS passed --alert-rss"), "{stderr}");
    // Alerts warn; only broken bounds and ceilings fail the run.
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn bad_flags_exit_2_naming_them() {
    for (args, flag) in [
        (vec!["soak", "--seeds", "5..5"], "--seeds"),
        (vec!["soak", "--alert-rss", "lots"], "--alert-rss"),
        (vec!["soak", "--horizon", "0"], "--horizon"),
        (vec!["soak", "--leak-budget", "-3"], "--leak-budget"),
    ] {
        let output = heapbound(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(flag),
            "{args:?}"
        );
    }
}

#[test]
fn ctrl_c_writes_a_partial_report_and_the_checkpoints_so_far() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = dir.path().join("partial.jsonl");
    let child = Command::new(env!("CARGO_BIN_EXE_heapbound"))
        .args([
            "soak",
            "--seeds",
            "1..3",
            "--candles",
            "100000000000",
            "--checkpoint-every",
            "100000",
            "--format",
            "json",
        ])
        .args(["--checkpoints", checkpoints.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(report["partial"], true);
    assert_eq!(report["seeds"][0]["partial"], true);
    let done = report["summary"]["candles"].as_u64().unwrap();
    assert!(done > 0 && done < 200_000_000_000);
    let lines = std::fs::read_to_string(&checkpoints)
        .unwrap()
        .lines()
        .count();
    assert!(lines > 0, "checkpoints so far were written");
    assert_eq!(output.status.code(), Some(0), "every checked seed passed");
}

/// A soak killed outright (the OOM killer's SIGKILL) keeps every
/// checkpoint line written before it died, each whole, and `--plot-from`
/// draws them.
#[test]
fn kill_9_keeps_every_checkpoint_line_and_plot_from_draws_them() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = dir.path().join("killed.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_heapbound"))
        .args([
            "soak",
            "--seeds",
            "1..3",
            "--candles",
            "100000000000",
            "--checkpoint-every",
            "20000",
        ])
        .args(["--checkpoints", checkpoints.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for a good number of lines from both seeds, then SIGKILL.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_to_string(&checkpoints).map_or(0, |text| text.lines().count()) < 40 {
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoints appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let text = std::fs::read_to_string(&checkpoints).unwrap();
    assert!(text.ends_with('\n'), "the last line is whole");
    let mut seeds = std::collections::BTreeSet::new();
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("{error}: a torn line: {line}"));
        seeds.insert(value["seed"].as_u64().unwrap());
        assert!(value["live_bytes"].as_u64().unwrap() > 0);
    }
    assert_eq!(seeds.into_iter().collect::<Vec<_>>(), vec![1, 2]);

    let plot = dir.path().join("killed.svg");
    let output = heapbound(&[
        "soak",
        "--plot-from",
        checkpoints.to_str().unwrap(),
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(svg.contains("<svg") && svg.contains("seed 2"));

    // A damaged file is refused naming its line.
    std::fs::write(&checkpoints, format!("{text}{{\"seed\": 1, \"cand")).unwrap();
    let output = heapbound(&[
        "soak",
        "--plot-from",
        checkpoints.to_str().unwrap(),
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let lines = text.lines().count() + 1;
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(&format!("killed.jsonl:{lines}")),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
