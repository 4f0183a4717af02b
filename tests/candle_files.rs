//! Real candle files: streamed with a flat heap, and refused with errors
//! that name the file, line and column.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use std::io::Write;
use std::process::Command;

use heapbound::heap::Scope;
use heapbound::market::csv::{open, CsvOptions};

fn write_kline_file(rows: u64) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    {
        let mut out = std::io::BufWriter::new(file.as_file_mut());
        for i in 0..rows {
            let base = 4_200_000 + (i * 7919 % 10_000) as i64;
            writeln!(
                out,
                "{},{}.{:02},{}.{:02},{}.{:02},{}.{:02},{}.{:05},0,0,0,0,0,0",
                1_704_067_200_000 + i * 60_000,
                base / 100,
                base % 100,
                (base + 50) / 100,
                (base + 50) % 100,
                (base - 50) / 100,
                (base - 50) % 100,
                (base + 10) / 100,
                (base + 10) % 100,
                i % 9,
                i % 100_000
            )
            .unwrap();
        }
    }
    file
}

#[test]
fn reading_a_large_file_keeps_the_heap_flat() {
    let file = write_kline_file(400_000);
    let size = file.as_file().metadata().unwrap().len();
    assert!(size > 20 << 20, "the file is {size} bytes");
    let scope = Scope::start();
    let reader = open(file.path(), CsvOptions::default()).unwrap();
    let opened = scope.current_bytes();
    let mut rows = 0u64;
    for candle in reader {
        candle.unwrap();
        rows += 1;
    }
    assert_eq!(rows, 400_000);
    // The reader holds a read buffer and a line buffer, never the file.
    assert!(opened < 32 * 1024, "opened with {opened} B");
    assert!(
        scope.peak_bytes() < 64 * 1024,
        "peak {} B for a {size} B file",
        scope.peak_bytes()
    );
}

fn heapbound(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_heapbound"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn simulate_reads_a_file_and_refuses_a_bad_row_before_starting() {
    let file = write_kline_file(5_000);
    let path = file.path().to_str().unwrap();
    let output = heapbound(&["simulate", "--candles-file", path, "--format", "json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["candles"], 5000);
    assert_eq!(report["input"]["rows"], 5000);
    assert_eq!(report["input"]["tick"], "0.01");
    assert!(report["seed"].is_null());

    let mut bad = std::fs::read_to_string(file.path()).unwrap();
    bad.push_str("1999999999999,1.00,0.50,0.90,0.95,1,0,0,0,0,0,0\n");
    let bad_file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(bad_file.path(), bad).unwrap();
    let bad_path = bad_file.path().to_str().unwrap();
    let output = heapbound(&["simulate", "--candles-file", bad_path]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "{bad_path}:5001: column high: high (50) is below low (90)"
        )),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "no report for a refused file");

    let output = heapbound(&[
        "simulate",
        "--candles-file",
        bad_path,
        "--skip-invalid",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["input"]["skipped_rows"], 1);

    for missing in ["/nonexistent/candles.csv", "/tmp"] {
        let output = heapbound(&["simulate", "--candles-file", missing]);
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stderr).contains(missing));
    }
}
