//! The monitor's figures over HTTP: a live run of the leaky grid twin with
//! the Prometheus exporter, scraped over loopback with a real HTTP client.
//! One test in this file: the exporter is installed once per process.

// As in production: the bot's bytes are measured by heapbound's allocator.
#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use grid_bot::{GridConfig, LeakyGridBot};
use heapbound::market::CandleGenerator;
use heapbound::monitor::{install_prometheus, Live, MonitorOptions};

#[test]
fn the_prometheus_endpoint_shows_the_components_and_the_alerts() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    install_prometheus(addr).expect("the exporter starts");
    let mut live = Live::<LeakyGridBot>::new(
        GridConfig::default(),
        MonitorOptions {
            every_events: 16,
            every: None,
            ..MonitorOptions::default()
        },
    )
    .unwrap();
    for candle in CandleGenerator::new(7).take(5_000) {
        live.feed(candle);
    }
    live.sample_now();
    assert!(!live.alerts().is_empty());
    let len = live.bot_open_orders();
    let body = scrape(addr);
    for needle in [
        "heapbound_component_len{component=\"open_orders\"}",
        "heapbound_component_bound{component=\"open_orders\"} 64",
        "heapbound_component_bytes{component=\"fills\"}",
        "heapbound_heap_live_bytes",
        "heapbound_process_rss_bytes",
        "heapbound_monitor_bytes",
        "heapbound_alerts_total{kind=\"projected-bound\"} 1",
        "heapbound_alerts_total{kind=\"violation\"}",
    ] {
        assert!(body.contains(needle), "{needle} missing from:\n{body}");
    }
    assert!(
        body.contains(&format!(
            "heapbound_component_len{{component=\"open_orders\"}} {len}"
        )),
        "open_orders {len}:\n{body}"
    );
}

trait OpenOrders {
    fn bot_open_orders(&self) -> usize;
}

impl OpenOrders for Live<LeakyGridBot> {
    fn bot_open_orders(&self) -> usize {
        let mut len = 0;
        heapbound::Bot::components(self.bot(), &mut |component| {
            if component.name == "open_orders" {
                len = component.len;
            }
        });
        len
    }
}

/// The exporter's thread may take a moment to bind: retry for a while.
fn scrape(addr: std::net::SocketAddr) -> String {
    let url = format!("http://{addr}/metrics");
    let mut last = None;
    for _ in 0..100 {
        match ureq::get(&url).call() {
            Ok(response) => return response.into_string().unwrap(),
            Err(error) => last = Some(error),
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no answer from {url}: {last:?}");
}
