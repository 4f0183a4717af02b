//! Real candle files: streamed with a flat heap, and refused with errors
//! that name the file, line and column.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use heapbound::heap::Scope;
use heapbound::market::csv::{open, CsvOptions, Validated};

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
    let ((opened, rows), stats) = Scope::run(|scope| {
        let reader = open(file.path(), CsvOptions::default()).unwrap();
        let opened = scope.current_bytes();
        let mut rows = 0u64;
        for candle in reader {
            candle.unwrap();
            rows += 1;
        }
        (opened, rows)
    });
    assert_eq!(rows, 400_000);
    // The reader holds a read buffer and a line buffer, never the file.
    assert!(opened < 32 * 1024, "opened with {opened} B");
    assert!(
        stats.peak_bytes < 64 * 1024,
        "peak {} B for a {size} B file",
        stats.peak_bytes
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

// ---- One test per accepted shape, each on a file of that shape ----------

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/candles")
        .join(name)
}

/// What a fixture must read as.
struct Expect {
    rows: u64,
    tick: &'static str,
    first: (i64, i64),
    last: (i64, i64),
}

/// Opens `name` once, validates every row, rewinds and streams it again:
/// count, tick, and (open time ms, close ticks) of the first and last rows.
fn check(name: &str, options: CsvOptions, expect: Expect) {
    let path = fixture(name);
    let mut reader = open(&path, options).unwrap_or_else(|e| panic!("{e}"));
    let checked = reader.validate().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        checked,
        Validated {
            rows: expect.rows,
            skipped: 0
        },
        "{name}"
    );
    assert_eq!(reader.tick().to_string(), expect.tick, "{name}");
    let candles: Vec<_> = reader.map(|c| c.unwrap()).collect();
    assert_eq!(candles.len() as u64, expect.rows, "{name}");
    let (first, last) = (candles[0], candles[candles.len() - 1]);
    assert_eq!((first.open_time(), first.close()), expect.first, "{name}");
    assert_eq!((last.open_time(), last.close()), expect.last, "{name}");
}

#[test]
fn exchange_klines_without_header_epoch_ms() {
    check(
        "binance_klines_1h.csv",
        CsvOptions::default(),
        Expect {
            rows: 24,
            tick: "0.01",
            first: (1_704_067_200_000, 4_226_748),
            last: (1_704_150_000_000, 4_140_716),
        },
    );
}

#[test]
fn exchange_klines_with_header_and_crlf() {
    check(
        "binance_klines_header_crlf.csv",
        CsvOptions::default(),
        Expect {
            rows: 48,
            tick: "0.01",
            first: (1_704_067_200_000, 4_216_037),
            last: (1_704_236_400_000, 4_203_157),
        },
    );
}

#[test]
fn exchange_klines_in_epoch_microseconds_with_eight_decimals() {
    check(
        "binance_klines_1m_2025_us.csv",
        CsvOptions::default(),
        Expect {
            rows: 30,
            tick: "0.01",
            first: (1_735_689_600_000, 9_367_220),
            last: (1_735_691_340_000, 9_344_587),
        },
    );
}

#[test]
fn epoch_seconds_under_a_timestamp_header() {
    check(
        "epoch_seconds.csv",
        CsvOptions::default(),
        Expect {
            rows: 20,
            tick: "0.01",
            first: (1_704_067_200_000, 4_223_439),
            last: (1_704_135_600_000, 4_208_929),
        },
    );
}

#[test]
fn pandas_unnamed_index_with_space_separated_date_times() {
    check(
        "pandas_index.csv",
        CsvOptions::default(),
        Expect {
            rows: 36,
            tick: "0.01",
            first: (1_704_067_200_000, 4_231_667),
            last: (1_704_193_200_000, 4_201_328),
        },
    );
}

#[test]
fn yahoo_daily_dates_with_adj_close_ignored() {
    check(
        "yahoo_daily.csv",
        CsvOptions::default(),
        Expect {
            rows: 21,
            tick: "0.01",
            first: (1_704_153_600_000, 18_600),
            last: (1_706_572_800_000, 18_677),
        },
    );
}

#[test]
fn yfinance_download_with_three_header_rows() {
    check(
        "yfinance_btc_usd.csv",
        CsvOptions::default(),
        Expect {
            rows: 31,
            tick: "0.00000001",
            first: (1_704_067_200_000, 4_236_366_015_625),
            last: (1_706_659_200_000, 4_270_978_906_250),
        },
    );
}

#[test]
fn iso_date_times_with_z_offsets_and_fractions_in_utc() {
    check(
        "iso_offsets.csv",
        CsvOptions::default(),
        Expect {
            rows: 12,
            tick: "0.01",
            first: (1_704_067_200_000, 4_242_798),
            last: (1_704_106_800_000, 4_267_746),
        },
    );
}

const GERMAN: Expect = Expect {
    rows: 24,
    tick: "0.01",
    first: (1_704_067_200_000, 4_222_580),
    last: (1_704_150_000_000, 4_308_579),
};

#[test]
fn german_excel_semicolons_decimal_commas_bom_crlf() {
    check("excel_de.csv", CsvOptions::default(), GERMAN);
    let forced = CsvOptions {
        delimiter: Some(b';'),
        decimal_comma: Some(true),
        ..CsvOptions::default()
    };
    check("excel_de.csv", forced, GERMAN);
    let wrong = CsvOptions {
        decimal_comma: Some(false),
        ..CsvOptions::default()
    };
    let message = open(&fixture("excel_de.csv"), wrong)
        .and_then(|reader| reader.collect::<Result<Vec<_>, _>>())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("excel_de.csv:2: column Open: \"42.283,58\" is not a decimal number"),
        "{message}"
    );
}

#[test]
fn quoted_fields_with_commas_inside_and_no_final_newline() {
    check(
        "quoted_fields.csv",
        CsvOptions::default(),
        Expect {
            rows: 15,
            tick: "0.01",
            first: (1_704_067_200_000, 4_233_663),
            last: (1_704_117_600_000, 4_181_469),
        },
    );
}

#[test]
fn tab_separated_values() {
    check(
        "tab_separated.tsv",
        CsvOptions::default(),
        Expect {
            rows: 10,
            tick: "0.01",
            first: (1_704_067_200_000, 4_225_489),
            last: (1_704_099_600_000, 4_244_203),
        },
    );
}

#[test]
fn a_forced_delimiter() {
    let message = open(&fixture("pipe_separated.txt"), CsvOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        message.contains("pipe_separated.txt:1: header: no time column"),
        "{message}"
    );
    let pipe = CsvOptions {
        delimiter: Some(b'|'),
        ..CsvOptions::default()
    };
    check(
        "pipe_separated.txt",
        pipe,
        Expect {
            rows: 8,
            tick: "0.01",
            first: (1_704_067_200_000, 4_244_856),
            last: (1_704_092_400_000, 4_239_018),
        },
    );
}

#[test]
fn a_forced_decimal_comma_in_quoted_fields() {
    let message = open(
        &fixture("comma_quoted_decimal_comma.csv"),
        CsvOptions::default(),
    )
    .and_then(|reader| reader.collect::<Result<Vec<_>, _>>())
    .unwrap_err()
    .to_string();
    assert!(
        message.contains(":2: column open: \"42283,58\" is not a decimal number"),
        "{message}"
    );
    let comma = CsvOptions {
        decimal_comma: Some(true),
        ..CsvOptions::default()
    };
    check(
        "comma_quoted_decimal_comma.csv",
        comma,
        Expect {
            rows: 8,
            tick: "0.01",
            first: (1_704_067_200_000, 4_229_851),
            last: (1_704_092_400_000, 4_232_277),
        },
    );
}

#[test]
fn simulate_reads_a_german_excel_file() {
    let path = fixture("excel_de.csv");
    let output = heapbound(&[
        "simulate",
        "--candles-file",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["candles"], 24);
    assert_eq!(report["input"]["rows"], 24);
    assert_eq!(report["input"]["tick"], "0.01");
    assert_eq!(report["input"]["lot"], "0.00001");
}

/// The same candles in every accepted layout give `simulate` the same
/// trades and equity as the kline layout.
#[test]
fn every_layout_simulates_the_same_as_the_kline_layout() {
    use heapbound::market::CandleGenerator;
    let candles: Vec<_> = CandleGenerator::new(5).take(3_000).collect();
    let price = |ticks: i64| format!("{}.{:02}", ticks / 100, ticks % 100);
    let comma = |ticks: i64| format!("{},{:02}", ticks / 100, ticks % 100);
    let volume = |lots: i64| format!("{}.{:04}", lots / 10_000, lots % 10_000);
    let iso = |ms: i64, offset_hours: i64| {
        let local = ms / 1000 + offset_hours * 3600;
        let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{:+03}:00",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60,
            offset_hours
        )
    };
    let mut layouts: Vec<(&str, String)> = vec![
        ("kline.csv", String::new()),
        ("offsets.csv", "time,open,high,low,close,volume\n".into()),
        (
            "german.csv",
            "\u{feff}Datum;Open;High;Low;Close;Volume\r\n".into(),
        ),
        (
            "quoted.csv",
            "\"Date\",\"Close\",\"Open\",\"High\",\"Low\",\"Volume\",\"Adj Close\"\n".into(),
        ),
    ];
    for c in &candles {
        let [t, o, h, l, cl, v] = [
            c.open_time(),
            c.open(),
            c.high(),
            c.low(),
            c.close(),
            c.volume(),
        ];
        layouts[0].1 += &format!(
            "{t},{},{},{},{},{},{},0,0,0,0,0\n",
            price(o),
            price(h),
            price(l),
            price(cl),
            volume(v),
            t + 59_999
        );
        layouts[1].1 += &format!(
            "{},{},{},{},{},{}\n",
            iso(t, 2),
            price(o),
            price(h),
            price(l),
            price(cl),
            volume(v)
        );
        layouts[2].1 += &format!(
            "{};{};{};{};{};{}\r\n",
            iso(t, 0).replace("+00:00", "Z"),
            comma(o),
            comma(h),
            comma(l),
            comma(cl),
            volume(v).replace('.', ",")
        );
        layouts[3].1 += &format!(
            "\"{}\",\"{}\",\"{}\",\"{}\",\"{}\",\"{}\",\"0\"\n",
            iso(t, -5),
            price(cl),
            price(o),
            price(h),
            price(l),
            volume(v)
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for (name, text) in &layouts {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let output = heapbound(&[
            "simulate",
            "--candles-file",
            path.to_str().unwrap(),
            "--fast",
            "5",
            "--slow",
            "20",
            "--format",
            "json",
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["candles"], 3_000, "{name}");
        results.push((name, report["trades"].clone(), report["equity"].clone()));
    }
    assert!(
        results[0].1.as_u64().unwrap() > 10,
        "the strategy must trade"
    );
    for result in &results[1..] {
        assert_eq!(
            (&result.1, &result.2),
            (&results[0].1, &results[0].2),
            "{}",
            result.0
        );
    }
}
