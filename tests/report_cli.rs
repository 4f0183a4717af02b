//! `heapbound report`: a samples log with a growing component and an alert
//! becomes a Markdown summary and an HTML page that parses as XML, with a
//! chart per series and the alert's replay command; bad lines are refused
//! naming the file and line.

use std::process::{Command, Output};

fn heapbound(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heapbound"))
        .args(args)
        .output()
        .unwrap()
}

fn samples_log() -> String {
    let mut log = String::new();
    for seed in [1, 2] {
        for i in 0..50u64 {
            let leak = if seed == 2 { i * 100 } else { 0 };
            log.push_str(&format!(
                "{{\"seed\":{seed},\"candle\":{},\"live_bytes\":{},\"components\":{{\"orders\":{},\"fills\":4096}},\"lens\":{{\"orders\":{}}},\"rss_bytes\":1000000}}\n",
                i * 1_000,
                10_000 + leak + i % 3,
                2_000 + leak,
                8 + i * u64::from(seed == 2)
            ));
        }
    }
    log.push_str("{\"alert\":{\"message\":\"projected-bound in orders at event 320: 40 of 64 entries\",\"dump\":\"flight/heapbound-flight-320-1.json\",\"command\":\"python3 my_bot.py\"}}\n");
    log
}

#[test]
fn a_samples_log_becomes_a_summary_and_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("samples.jsonl");
    std::fs::write(&input, samples_log()).unwrap();
    let html = dir.path().join("review.html");
    let markdown = dir.path().join("review.md");
    let out = heapbound(&[
        "report",
        input.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--markdown",
        markdown.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let summary = std::fs::read_to_string(&markdown).unwrap();
    assert!(summary.contains("2 seed(s)"), "{summary}");
    assert!(
        summary.contains("| 2 | orders (bytes) | 6900 | 0.1000 ± 0.0000 | +1008 | yes |"),
        "{summary}"
    );
    assert!(
        summary.contains("| 1 | orders (bytes) | 2000 | 0.0000 ± 0.0000 | +0 | no |"),
        "{summary}"
    );
    assert!(
        summary.contains("| 2 | orders (entries) | 57 | 0.0010"),
        "{summary}"
    );
    assert!(summary.contains(
        "replay: `heapbound replay flight/heapbound-flight-320-1.json --exec \"python3 my_bot.py\"`"
    ));

    // The page is well-formed XML with a chart per series of each seed.
    let page = std::fs::read_to_string(&html).unwrap();
    let mut reader = quick_xml::Reader::from_str(page.trim_start_matches("<!DOCTYPE html>\n"));
    let (mut svgs, mut growing_rows) = (0, 0);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(tag)) => {
                if tag.name().as_ref() == b"svg" {
                    svgs += 1;
                }
                if tag.name().as_ref() == b"tr"
                    && tag
                        .attributes()
                        .flatten()
                        .any(|a| a.value.as_ref() == b"grow")
                {
                    growing_rows += 1;
                }
            }
            Ok(_) => {}
            Err(error) => panic!(
                "the page is not well-formed at {}: {error}",
                reader.buffer_position()
            ),
        }
    }
    // Per seed: heap, rss, two components, one length.
    assert_eq!(svgs, 2 * 5);
    assert_eq!(
        growing_rows, 3,
        "seed 2's heap, orders bytes and orders entries"
    );
}

#[test]
fn bad_lines_name_the_file_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("broken.jsonl");
    std::fs::write(
        &input,
        format!("{}{{\"seed\":1,\"candle\":\"soon\"}}\n", samples_log()),
    )
    .unwrap();
    let out = heapbound(&["report", input.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.jsonl:102: not a checkpoint, sample or alert line"),
        "{stderr}"
    );
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "\n").unwrap();
    let out = heapbound(&["report", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no samples in"));
}
