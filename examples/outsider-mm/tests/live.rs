use heapbound::heap::TrackingAllocator;
use heapbound::market::CandleGenerator;
use heapbound::monitor::{Alert, AlertKind, Live, MonitorOptions};
use heapbound::{Bot, Scenario};
use outsider_mm::{LeakyMarketMaker, MarketMaker, MarketMakerCore, MmAction, MmConfig};

#[global_allocator]
static ALLOC: TrackingAllocator = TrackingAllocator::system();

fn options() -> MonitorOptions {
    MonitorOptions {
        every_events: 64,
        every: None,
        ..MonitorOptions::default()
    }
}

fn kind_name(alert: &Alert) -> &'static str {
    match alert.kind {
        AlertKind::ProjectedBound { .. } => "projected-bound",
        AlertKind::Leak { .. } => "leak",
        AlertKind::Violation { .. } => "check",
        AlertKind::Rss { .. } => "rss",
        _ => "other",
    }
}

/// Feeds `max` candles with the operator's actions: a manual order every
/// 97 candles, every third one cancelled 10 candles later, a reconnect
/// every 250,000 candles. Stops at the first alert matching `stop`.
fn drive<const L: bool>(
    live: &mut Live<MarketMakerCore<L>>,
    max: u64,
    stop: impl Fn(&Alert) -> bool,
) -> u64 {
    let mut to_cancel: Option<(u64, u64)> = None; // (candle, id)
    for (i, candle) in CandleGenerator::new(7).take(max as usize).enumerate() {
        let i = i as u64;
        let mut stopped = live.feed(candle).iter().any(&stop);
        if i.is_multiple_of(97) {
            let before = live.bot().manual_ids();
            stopped |= live
                .apply(MmAction::Place {
                    buy: i.is_multiple_of(2),
                    offset_bps: 20 + (i % 40) as i16,
                })
                .iter()
                .any(&stop);
            let after = live.bot().manual_ids();
            if (i / 97).is_multiple_of(3) {
                if let Some(id) = after.iter().find(|id| !before.contains(id)) {
                    to_cancel = Some((i + 10, *id));
                }
            }
        }
        if let Some((at, id)) = to_cancel {
            if at == i {
                stopped |= live.apply(MmAction::Cancel { id }).iter().any(&stop);
                to_cancel = None;
            }
        }
        if i % 250_000 == 249_999 {
            stopped |= live.apply(MmAction::Reconnect).iter().any(&stop);
        }
        if stopped {
            return i + 1;
        }
    }
    max
}

#[test]
fn correct_bot_raises_nothing_over_two_million_candles() {
    let mut live = Live::<MarketMaker>::new(MmConfig::production(), options()).unwrap();
    let fed = drive(&mut live, 2_000_000, |_| true);
    for alert in live.alerts() {
        eprintln!("ALERT on correct bot: {alert}  ({alert:?})");
    }
    eprintln!(
        "correct: candles {fed}, events {}, open_orders {} / {}, heap {:?}, monitor {} B",
        live.events(),
        live.bot().open_orders_len(),
        live.bot().orders_bound(),
        live.heap(),
        live.monitor_bytes()
    );
    assert!(
        live.alerts().is_empty(),
        "alerts on the correct bot: {:?}",
        live.alerts()
    );
    assert_eq!(fed, 2_000_000);
}

#[test]
fn leaky_twin_is_caught_and_the_dump_replays() {
    let mut live = Live::<LeakyMarketMaker>::new(MmConfig::production(), options()).unwrap();
    let fed = drive(&mut live, 2_000_000, |a| {
        matches!(a.kind, AlertKind::Violation { .. }) && a.kind.component() == "open_orders"
    });
    for alert in live.alerts() {
        eprintln!(
            "leaky alert [{}] event {}: {alert}",
            kind_name(alert),
            alert.event
        );
    }
    let alerts = live.alerts().to_vec();
    assert!(fed < 2_000_000, "the leak was never caught");
    let first = &alerts[0];
    assert_eq!(
        first.kind.component(),
        "open_orders",
        "first alert: {first}"
    );
    assert_eq!(kind_name(first), "projected-bound", "first alert: {first}");
    let projected = alerts
        .iter()
        .position(|a| kind_name(a) == "projected-bound")
        .unwrap();
    let breach = alerts
        .iter()
        .position(|a| kind_name(a) == "check" && a.kind.component() == "open_orders")
        .expect("a container-bound check on open_orders");
    assert!(projected < breach);
    assert!(
        alerts[breach].to_string().contains("container-bound"),
        "{}",
        alerts[breach]
    );

    // Dump the flight recorder, replay it offline.
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("leaky-flight.json");
    live.dump(&path).unwrap();
    let json = std::fs::read_to_string(&path).unwrap();
    let scenario: Scenario<LeakyMarketMaker> = serde_json::from_str(&json).unwrap();
    eprintln!(
        "dump: {} bytes, {} steps",
        json.len(),
        scenario.actions.len()
    );
    match heapbound::harness::check_scenario(&scenario) {
        Ok(outcome) => panic!("the dump replayed clean: {outcome:?}"),
        Err(failure) => {
            for v in failure.violations() {
                eprintln!("replay: {}", v.summary());
            }
            assert!(
                failure
                    .violations()
                    .iter()
                    .any(|v| v.invariant.name() == "container-bound"
                        && v.component.as_deref() == Some("open_orders")),
                "no container-bound in open_orders on replay"
            );
        }
    }

    // The same dump against the correct bot replays clean.
    let fixed: Scenario<MarketMaker> = serde_json::from_str(&json).unwrap();
    let outcome = heapbound::harness::check_scenario(&fixed).expect("the fix replays clean");
    eprintln!("fixed replay: {outcome:?}");
}

#[test]
fn prove_correct_bot_short() {
    heapbound::prove::<MarketMaker>(MmConfig::production())
        .seeds(0..2)
        .candles(200_000)
        .run();
    let _ = <MarketMaker as Bot>::NAME;
}
