//! Bots in other languages: Python bots driven over PROTOCOL.md by
//! `--exec`, including bots that misbehave as processes.

use std::process::{Command, Output};

fn python3() -> &'static str {
    let found = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    assert!(
        found,
        "these tests need python3 on PATH (the bots under test are Python programs)"
    );
    "python3"
}

fn heapbound(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heapbound"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn bot(name: &str) -> String {
    format!("{} examples/python/{name}", python3())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Processes whose command line mentions `marker` (none may be left behind).
fn running(marker: &str) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| std::fs::read(entry.path().join("cmdline")).ok())
        .filter(|cmdline| String::from_utf8_lossy(cmdline).contains(marker))
        .count()
}

#[test]
fn the_python_helper_passes_its_own_tests() {
    let output = Command::new(python3())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // The monitor's dump is replayed with this build's binary.
        .env("HEAPBOUND_BIN", env!("CARGO_BIN_EXE_heapbound"))
        .args([
            "-m",
            "unittest",
            "python/tests/test_protocol.py",
            "python/tests/test_monitor.py",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn the_guide_bot_passes_and_the_leaky_bot_fails_naming_the_component() {
    let good = heapbound(&[
        "simulate",
        "--exec",
        &bot("guide_bot.py"),
        "--candles",
        "100000",
        "--format",
        "json",
    ]);
    assert_eq!(
        good.status.code(),
        Some(0),
        "{}{}",
        text(&good.stdout),
        text(&good.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&good.stdout).unwrap();
    assert_eq!(report["candles"], 100_000);
    assert_eq!(report["heap"]["source"], "bot");
    assert!(
        report["process"]["rss_bytes"].as_u64().unwrap() > 1 << 20,
        "the bot's RSS"
    );
    assert!(report["trades"].as_u64().unwrap() > 100);

    let leaky = heapbound(&[
        "simulate",
        "--exec",
        &bot("leaky_bot.py"),
        "--candles",
        "100000",
    ]);
    assert_eq!(leaky.status.code(), Some(1));
    let stdout = text(&leaky.stdout);
    assert!(
        stdout.contains("container-bound in price_cache"),
        "{stdout}"
    );
    assert!(stdout.contains("leak-slope in candle_history"), "{stdout}");
}

#[test]
fn explore_finds_and_shrinks_the_leak_and_replay_reproduces_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("failure.json");
    let output = heapbound(&[
        "explore",
        "--exec",
        &bot("leaky_bot.py"),
        "--time",
        "60s",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("shrunk from"), "{stdout}");
    let scenario: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(
        scenario["actions"].as_array().unwrap().len() < 20,
        "{scenario}"
    );
    let replay = heapbound(&[
        "replay",
        out.to_str().unwrap(),
        "--exec",
        &bot("leaky_bot.py"),
    ]);
    assert_eq!(replay.status.code(), Some(1));
    assert!(
        text(&replay.stdout).contains("container-bound"),
        "{}",
        text(&replay.stdout)
    );
}

#[test]
fn a_bot_that_exits_mid_run_is_named_with_its_status_and_request() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = dir.path().join("cp.jsonl");
    let output = heapbound(&[
        "soak",
        "--seeds",
        "1",
        "--candles",
        "100000",
        "--checkpoint-every",
        "4096",
        "--checkpoints",
        checkpoints.to_str().unwrap(),
        "--exec",
        &bot("misbehaving_bot.py exit-mid-run"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("bot-process"), "{stdout}");
    assert!(stdout.contains("exit status: 3"), "{stdout}");
    assert!(stdout.contains("a batch of 4096 candles"), "{stdout}");
    let lines = std::fs::read_to_string(&checkpoints).unwrap();
    assert!(
        lines.lines().count() >= 1,
        "checkpoints before the failure stay"
    );
}

#[test]
fn a_hanging_bot_is_killed_after_the_timeout_and_leaves_no_process() {
    let marker = "misbehaving_bot.py hang";
    let output = heapbound(&[
        "simulate",
        "--exec",
        &bot(marker),
        "--candles",
        "20000",
        "--timeout",
        "1",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stdout).contains("within 1 s; the bot was killed"),
        "{}",
        text(&output.stdout)
    );
    assert_eq!(running(marker), 0, "no process left");
}

#[test]
fn garbage_and_a_wrong_version_are_usage_errors_naming_what_the_bot_sent() {
    let garbage = heapbound(&[
        "simulate",
        "--exec",
        &bot("misbehaving_bot.py garbage"),
        "--candles",
        "20000",
    ]);
    assert_eq!(garbage.status.code(), Some(2));
    let stderr = text(&garbage.stderr);
    assert!(
        stderr.contains("protocol error") && stderr.contains("the bot sent:"),
        "{stderr}"
    );
    assert!(
        garbage.stdout.is_empty(),
        "no report from a broken protocol"
    );

    let version = heapbound(&[
        "simulate",
        "--exec",
        &bot("misbehaving_bot.py wrong-version"),
    ]);
    assert_eq!(version.status.code(), Some(2));
    assert!(
        text(&version.stderr).contains("protocol 99"),
        "{}",
        text(&version.stderr)
    );
}

#[test]
fn a_bot_flooding_stderr_passes_and_one_ignoring_shutdown_fails_after_a_full_report() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("bot.log");
    let flood = heapbound(&[
        "simulate",
        "--exec",
        &bot("misbehaving_bot.py flood-stderr"),
        "--candles",
        "100000",
        "--bot-log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(flood.status.code(), Some(0), "{}", text(&flood.stdout));
    assert!(
        std::fs::metadata(&log).unwrap().len() >= 10 << 20,
        "stderr drained to the log"
    );

    let marker = "misbehaving_bot.py ignore-shutdown";
    let stubborn = heapbound(&[
        "simulate",
        "--exec",
        &bot(marker),
        "--candles",
        "100000",
        "--timeout",
        "2",
    ]);
    // The whole run is reported; a bot that never answers shutdown fails
    // it (the strict protocol), and is killed.
    let stdout = text(&stubborn.stdout);
    assert_eq!(stubborn.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("candles           100000"), "{stdout}");
    assert!(
        stdout.contains("bot-process in process") && stdout.contains("no answer to shutdown"),
        "{stdout}"
    );
    assert_eq!(running(marker), 0, "killed after shutdown went unanswered");
}

#[test]
fn soak_passes_the_guide_bot_and_fails_the_leaky_one_naming_the_component() {
    let good = heapbound(&[
        "soak",
        "--seeds",
        "1..3",
        "--candles",
        "100000",
        "--exec",
        &bot("guide_bot.py"),
        "--format",
        "json",
    ]);
    assert_eq!(good.status.code(), Some(0), "{}", text(&good.stdout));
    let report: serde_json::Value = serde_json::from_slice(&good.stdout).unwrap();
    assert_eq!(report["summary"]["passed"], 2);

    let leaky = heapbound(&[
        "soak",
        "--seeds",
        "1",
        "--candles",
        "100000",
        "--exec",
        &bot("leaky_bot.py"),
    ]);
    assert_eq!(leaky.status.code(), Some(1));
    let stdout = text(&leaky.stdout);
    assert!(stdout.contains("leak-slope in candle_history"), "{stdout}");
}

/// A bot process that lies, hangs, floods or dies: each one fails, exit 2
/// when its answers cannot be trusted (the protocol), exit 1 when it is a
/// finding about the bot; the report names the request, the line or the
/// field. `examples/python/lying_bot.py` documents each mode.
#[test]
fn no_misbehaving_bot_passes() {
    let table: &[(&str, i32, &[&str])] = &[
        (
            "wrong-type-sample",
            2,
            &["answering sample: expected an answer of type sample, got ok"],
        ),
        ("extra-line", 2, &["expected an answer of type"]),
        (
            "missing-component",
            2,
            &["field components: \"price_cache\" is missing"],
        ),
        (
            "undeclared-component",
            2,
            &["\"secret_cache\" was not declared in hello"],
        ),
        ("duplicate-hello", 2, &["\"sessions\" is declared twice"]),
        (
            "unknown-encoding",
            2,
            &["candle_encoding \"msgpack\" is not one heapbound writes"],
        ),
        ("duplicate-sample", 2, &["\"sessions\" is reported twice"]),
        ("fills-go-down", 2, &["field fills: went down"]),
        ("peak-below-current", 2, &["field heap: peak"]),
        (
            "float-len",
            2,
            &["invalid type: floating point", "the bot sent:"],
        ),
        ("string-len", 2, &["invalid type: string"]),
        ("output-after-bye", 2, &["the bot wrote after bye"]),
        (
            "negative-violation",
            1,
            &["cash-non-negative", "observed -1.5 quote"],
        ),
        (
            "exit-1-after-bye",
            1,
            &["after bye the bot exited with exit status: 1"],
        ),
        (
            "close-stdout",
            1,
            &["closed its stdout", "after 4096 candles answered"],
        ),
        ("huge-line", 1, &["is over 16777216 bytes (--max-line)"]),
        (
            "fork-setsid-hang",
            1,
            &["exited (exit status: 4)", "after 4096 candles answered"],
        ),
        ("fork-hang", 1, &["within 3 s; the bot was killed"]),
    ];
    for &(mode, code, expected) in table {
        let started = std::time::Instant::now();
        let output = heapbound(&[
            "simulate",
            "--exec",
            &bot(&format!("lying_bot.py {mode}")),
            "--candles",
            "20000",
            "--timeout",
            "3",
        ]);
        let said = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert_eq!(output.status.code(), Some(code), "{mode}: {said}");
        for needle in expected {
            assert!(said.contains(needle), "{mode}: no {needle:?} in {said}");
        }
        // The timeout holds whatever the bot's children do with the pipes.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "{mode}: took {:?}",
            started.elapsed()
        );
    }
    assert_eq!(
        running("lying_bot.py fork-hang"),
        0,
        "the bot's group is killed"
    );
}

#[test]
fn flags_of_the_paper_bot_do_not_pass_silently_to_a_bot_process() {
    let output = heapbound(&[
        "simulate",
        "--exec",
        &bot("guide_bot.py"),
        "--max-trades",
        "50",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("do not reach a bot process; put its settings in --config"),
        "{stderr}"
    );
}

/// Bots written from PROTOCOL.md alone: one reports lengths without bytes
/// and fills slowly (a correct bot); its twin keeps a module-level list it
/// never reports; one rebuilds a day's state at midnight (a sawtooth).
#[test]
fn lengths_only_and_sawtooth_bots_pass_and_a_hidden_global_list_fails_on_the_slope() {
    for good in ["lengths_only_bot.py", "sawtooth_bot.py"] {
        let output = heapbound(&["simulate", "--exec", &bot(good), "--candles", "100000"]);
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{good}: {stdout}");
    }
    let hidden = heapbound(&[
        "simulate",
        "--exec",
        &bot("hidden_leak_bot.py"),
        "--candles",
        "100000",
    ]);
    let stdout = text(&hidden.stdout);
    assert_eq!(hidden.status.code(), Some(1), "{stdout}");
    // The list is outside every component: the heap is the bot's own.
    assert!(stdout.contains("leak-slope in bot"), "{stdout}");
}

/// explore on correct Python bots (a short version of
/// scripts/verdict-sweep.sh's 60 s each): no false alarm.
#[test]
fn explore_passes_the_good_python_bots() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("failure.json");
    for good in ["guide_bot.py", "lengths_only_bot.py", "sawtooth_bot.py"] {
        let output = heapbound(&[
            "explore",
            "--exec",
            &bot(good),
            "--time",
            "8s",
            "--out",
            out.to_str().unwrap(),
        ]);
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{good}: {stdout}");
        assert!(stdout.starts_with("pass: "), "{good}: {stdout}");
        assert!(!out.exists(), "{good}: no failure saved");
    }
}
