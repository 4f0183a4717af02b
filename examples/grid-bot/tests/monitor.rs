//! The grid bot watched live (heapbound::monitor): the leaky twin is
//! flagged on open_orders from the projection before its bound breaks, and
//! the flight recorder's dump replays to the same violation; the correct
//! bot raises nothing.

// As in production: the bot's bytes are measured by heapbound's allocator.
#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use grid_bot::{GoodGridBot as GridBot, GridConfig, LeakyGridBot};
use heapbound::harness::check_scenario;
use heapbound::market::CandleGenerator;
use heapbound::monitor::{AlertKind, Live, MonitorOptions};
use heapbound::{Invariant, Scenario};

fn options(dump_dir: Option<std::path::PathBuf>) -> MonitorOptions {
    MonitorOptions {
        every_events: 16,
        every: None, // events only: the test is deterministic
        samples_log: dump_dir.as_ref().map(|dir| dir.join("samples.jsonl")),
        dump_dir,
        ..MonitorOptions::default()
    }
}

#[test]
fn the_leaky_twin_is_flagged_before_its_bound_breaks_and_its_dump_replays() {
    let dir = tempfile::tempdir().unwrap();
    let config = GridConfig::default();
    let bound = config.max_open_orders;
    let mut live =
        Live::<LeakyGridBot>::new(config, options(Some(dir.path().to_path_buf()))).unwrap();
    let mut projected_at = None;
    let mut broken = None;
    for candle in CandleGenerator::new(7).take(20_000) {
        for alert in live.feed(candle) {
            match &alert.kind {
                AlertKind::ProjectedBound { component, len, .. } if *component == "open_orders" => {
                    assert!(*len <= bound, "projected only after the breach: {alert}");
                    projected_at.get_or_insert(alert.event);
                }
                AlertKind::Violation {
                    invariant,
                    component,
                    ..
                } if invariant == "container-bound" && component == "open_orders" => {
                    broken = Some(alert.clone());
                }
                _ => {}
            }
        }
        if broken.is_some() {
            break;
        }
    }
    let projected_at = projected_at.expect("a projected-bound alert on open_orders");
    let broken = broken.expect("the bound breaks later");
    assert!(
        projected_at < broken.event,
        "projected at {projected_at}, broken at {}",
        broken.event
    );

    // The dump written with the breach replays, from a fresh bot, to it.
    let dump = broken.dump.as_deref().expect("a dump per alert");
    let scenario: Scenario<LeakyGridBot> =
        serde_json::from_slice(&std::fs::read(dump).unwrap()).expect("the dump is a scenario");
    assert_eq!(scenario.actions.len() as u64, live.events().min(65_536));
    let failure = check_scenario(&scenario).expect_err("the dump replays to the violation");
    let first = failure.first();
    assert_eq!(first.invariant, Invariant::ContainerBound);
    assert_eq!(first.component.as_deref(), Some("open_orders"));

    // The samples log (`heapbound report`'s input): a line per sample and
    // per alert.
    let log = std::fs::read_to_string(dir.path().join("samples.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let alerts = lines.iter().filter(|l| l.get("alert").is_some()).count();
    assert_eq!(alerts, live.alerts().len());
    assert_eq!(lines.len() as u64 - alerts as u64, live.events() / 16);
    let last = lines
        .iter()
        .rev()
        .find(|l| l.get("candle").is_some())
        .unwrap();
    assert!(last["lens"]["open_orders"].as_u64().unwrap() > bound as u64);
    assert!(last["components"]["open_orders"].as_u64().unwrap() > 0);
}

#[test]
fn the_correct_grid_bot_raises_nothing_over_ten_million_candles() {
    let mut live = Live::<GridBot>::new(
        GridConfig::default(),
        MonitorOptions {
            every_events: 4_096,
            every: None,
            recorder_capacity: 4_096,
            ..MonitorOptions::default()
        },
    )
    .unwrap();
    for candle in CandleGenerator::new(11).take(10_000_000) {
        let alerts = live.feed(candle);
        assert!(alerts.is_empty(), "{}", alerts[0]);
    }
    assert_eq!(live.events(), 10_000_000);
    assert!(live.alerts().is_empty());
    // Its own memory stays what it was built with: the recorder's ring,
    // the trends' windows and the growth model's capped columns.
    assert!(
        live.monitor_bytes() < 1 << 20,
        "{} bytes",
        live.monitor_bytes()
    );
}

#[test]
fn the_correct_grid_bot_with_its_actions_raises_nothing() {
    // Every action kind, drawn by a fixed LCG: pairs fill to their cap,
    // orders are placed, cancelled and filled, connections drop.
    let mut live = Live::<GridBot>::new(
        GridConfig::default(),
        MonitorOptions {
            every_events: 256,
            every: None,
            recorder_capacity: 1_024,
            ..MonitorOptions::default()
        },
    )
    .unwrap();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut draw = |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    for (i, candle) in CandleGenerator::new(13).take(2_000_000).enumerate() {
        assert!(live.feed(candle).is_empty(), "{}", live.alerts()[0]);
        if i % 40 == 0 {
            let level = draw(12) as u8;
            let action = match draw(5) {
                0 => grid_bot::GridAction::Place { level },
                1 => grid_bot::GridAction::Cancel { level },
                2 => grid_bot::GridAction::Fill { level },
                3 => grid_bot::GridAction::Reconnect,
                _ => grid_bot::GridAction::SwitchPair {
                    pair: draw(12) as u8,
                },
            };
            assert!(live.apply(action).is_empty(), "{}", live.alerts()[0]);
        }
    }
    assert!(live.alerts().is_empty());
}

#[test]
fn a_dump_on_demand_holds_the_last_inputs_with_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let mut live = Live::<GridBot>::new(
        GridConfig::default(),
        MonitorOptions {
            recorder_capacity: 100,
            ..options(None)
        },
    )
    .unwrap();
    let candles: Vec<_> = CandleGenerator::new(3).take(250).collect();
    for &candle in &candles {
        live.feed(candle);
    }
    live.apply(grid_bot::GridAction::Reconnect);
    let path = dir.path().join("dump.json");
    live.dump(&path).unwrap();
    let scenario: Scenario<GridBot> =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    // The last 100 candles, and the action after them.
    assert_eq!(scenario.actions.len(), 101);
    assert_eq!(scenario.actions[0], heapbound::Step::Recorded(candles[150]));
    assert_eq!(
        scenario.actions[100],
        heapbound::Step::Bot(grid_bot::GridAction::Reconnect)
    );
    assert!(check_scenario(&scenario).is_ok());
}

#[test]
fn batches_sample_at_the_same_events_as_one_by_one() {
    let run = |batch: usize| {
        let mut live = Live::<LeakyGridBot>::new(GridConfig::default(), options(None)).unwrap();
        let candles: Vec<_> = CandleGenerator::new(7).take(2_000).collect();
        for chunk in candles.chunks(batch) {
            live.feed_all(chunk);
        }
        let alerts: Vec<String> = live.alerts().iter().map(|a| a.to_string()).collect();
        (live.events(), alerts)
    };
    let one_by_one = run(1);
    assert!(!one_by_one.1.is_empty());
    assert_eq!(run(37), one_by_one);
    assert_eq!(run(2_000), one_by_one);
}
