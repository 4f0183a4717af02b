//! Every figure through the `metrics` facade, so any exporter works
//! (`install_prometheus` with the `prometheus` feature).

use metrics::{counter, gauge};

use crate::bot::{Bot, Component};
use crate::harness::Run;
use crate::heap::HeapStats;
use crate::process::ProcessStats;

use super::alert::Alert;

/// One component's figures at a sample, read once for the trends, the
/// export and the samples log.
pub(super) struct Figures {
    pub name: &'static str,
    pub len: usize,
    pub bound: usize,
    pub budget: u64,
    pub bytes: Option<u64>,
    pub capped: bool,
}

impl Figures {
    pub fn of(component: &Component<'_>) -> Figures {
        Figures {
            name: component.name,
            len: component.len,
            bound: component.bound,
            budget: component.budget,
            bytes: component.known_bytes(),
            capped: component.is_capped(),
        }
    }
}

/// Exports one sample.
pub(super) fn sample<B: Bot>(
    run: &Run<B>,
    components: &[Figures],
    heap: &HeapStats,
    process: Option<&ProcessStats>,
    leak_slope: Option<f64>,
    events: u64,
    monitor_bytes: u64,
) {
    gauge!("heapbound_events").set(events as f64);
    gauge!("heapbound_heap_live_bytes").set(heap.live_bytes as f64);
    gauge!("heapbound_heap_peak_bytes").set(heap.peak_bytes as f64);
    gauge!("heapbound_monitor_bytes").set(monitor_bytes as f64);
    if let Some(slope) = leak_slope {
        gauge!("heapbound_leak_slope_bytes_per_candle").set(slope);
    }
    if let Some(process) = process {
        gauge!("heapbound_process_rss_bytes").set(process.rss_bytes as f64);
        gauge!("heapbound_process_vms_bytes").set(process.vms_bytes as f64);
        gauge!("heapbound_process_threads").set(process.threads as f64);
        gauge!("heapbound_process_open_fds").set(process.open_fds as f64);
    }
    if run.panic().is_some() {
        return;
    }
    for component in components {
        let name = component.name;
        gauge!("heapbound_component_len", "component" => name).set(component.len as f64);
        if let Some(bytes) = component.bytes {
            gauge!("heapbound_component_bytes", "component" => name).set(bytes as f64);
        }
        if component.bound != usize::MAX {
            gauge!("heapbound_component_bound", "component" => name).set(component.bound as f64);
        }
        if component.budget != u64::MAX {
            gauge!("heapbound_component_budget_bytes", "component" => name)
                .set(component.budget as f64);
        }
    }
}

/// Counts an alert.
pub(super) fn alert(alert: &Alert) {
    counter!("heapbound_alerts_total", "kind" => alert.kind.name()).increment(1);
}

/// Serves every `metrics` figure (heapbound's and the bot's own) in the
/// Prometheus text format at `http://ADDR/metrics`, from a thread of its
/// own. Call it once per process, before the first sample.
#[cfg(feature = "prometheus")]
pub fn install_prometheus(
    addr: std::net::SocketAddr,
) -> Result<(), metrics_exporter_prometheus::BuildError> {
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .with_http_listener(addr)
        .install()
}
