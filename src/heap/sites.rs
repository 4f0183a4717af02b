//! Allocation sites, tracemalloc-style: call stacks captured per allocation,
//! only while [`SiteTracing`] is on, because unwinding costs microseconds.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;

use tracking_allocator::AllocationRegistry;

/// Frames kept per allocation: enough to walk out of std and the allocator
/// into the project's own code.
const MAX_FRAMES: usize = 32;

static ENABLED: AtomicBool = AtomicBool::new(false);
/// Only allocations charged to this slot or its descendants are recorded (0: all).
static WITHIN_SLOT: AtomicUsize = AtomicUsize::new(0);
static TABLE: Mutex<Option<SiteTable>> = Mutex::new(None);

#[derive(Default)]
struct SiteTable {
    live_by_addr: HashMap<usize, (usize, u64)>,
    index_by_stack: HashMap<Vec<usize>, usize>,
    sites: Vec<SiteCounters>,
}

struct SiteCounters {
    stack: Vec<usize>,
    live_bytes: i64,
    allocations: u64,
}

pub(crate) fn record_alloc(addr: usize, size: u64, group: usize) {
    if !ENABLED.load(Relaxed) {
        return;
    }
    let within = WITHIN_SLOT.load(Relaxed);
    if within != 0 && !super::slots::descends_from(group, within) {
        return;
    }
    let mut stack = Vec::with_capacity(MAX_FRAMES);
    // SAFETY: `trace_unsynchronized` is unsafe because two unwinds may not
    // run at once where the platform's unwinder is not thread-safe (dbghelp
    // on Windows) and may not re-enter themselves. Here the unwinder is
    // libgcc's `_Unwind_Backtrace` (heapbound's site tracing is used on
    // Linux), which is thread-safe; and this runs inside the allocator hook
    // with tracking suspended, so an allocation the unwinder makes never
    // comes back into this function.
    unsafe {
        backtrace::trace_unsynchronized(|frame| {
            stack.push(frame.ip() as usize);
            stack.len() < MAX_FRAMES
        });
    }
    let Ok(mut guard) = TABLE.lock() else { return };
    let table = guard.get_or_insert_with(SiteTable::default);
    let next = table.sites.len();
    let site = *table.index_by_stack.entry(stack.clone()).or_insert(next);
    if site == next {
        table.sites.push(SiteCounters {
            stack,
            live_bytes: 0,
            allocations: 0,
        });
    }
    let counters = &mut table.sites[site];
    counters.live_bytes += size as i64;
    counters.allocations += 1;
    table.live_by_addr.insert(addr, (site, size));
}

pub(crate) fn record_dealloc(addr: usize) {
    if !ENABLED.load(Relaxed) {
        return;
    }
    let Ok(mut guard) = TABLE.lock() else { return };
    let Some(table) = guard.as_mut() else { return };
    if let Some((site, size)) = table.live_by_addr.remove(&addr) {
        table.sites[site].live_bytes -= size as i64;
    }
}

/// Captures a call stack for every allocation while it lives.
///
/// ```no_run
/// let tracing = heapbound::heap::SiteTracing::start();
/// let before = tracing.snapshot();
/// let grown: Vec<u8> = vec![0; 4096];
/// let top = tracing.snapshot().growth_since(&before, 10);
/// for site in &top {
///     println!("{} +{} bytes", site.location, site.growth_bytes);
/// }
/// # drop(grown);
/// ```
pub struct SiteTracing {
    _private: (),
}

impl SiteTracing {
    /// Starts capturing only allocations charged to `group` (or groups
    /// created under it), so the harness's own allocations stay out.
    pub fn start_within(group: &super::Group) -> SiteTracing {
        let tracing = SiteTracing::start();
        WITHIN_SLOT.store(group.slot(), Relaxed);
        tracing
    }

    /// Starts capturing; any earlier capture is discarded.
    pub fn start() -> SiteTracing {
        WITHIN_SLOT.store(0, Relaxed);
        super::slots::ensure_tracker();
        AllocationRegistry::untracked(|| {
            if let Ok(mut table) = TABLE.lock() {
                *table = Some(SiteTable::default());
            }
        });
        ENABLED.store(true, Relaxed);
        SiteTracing { _private: () }
    }

    /// Live bytes and allocation counts per captured stack, now.
    pub fn snapshot(&self) -> SiteSnapshot {
        AllocationRegistry::untracked(|| {
            let guard = TABLE.lock().ok();
            let sites = guard
                .as_ref()
                .and_then(|table| table.as_ref())
                .map(|table| {
                    table
                        .sites
                        .iter()
                        .map(|site| (site.stack.clone(), (site.live_bytes, site.allocations)))
                        .collect()
                })
                .unwrap_or_default();
            SiteSnapshot { sites }
        })
    }
}

impl Drop for SiteTracing {
    fn drop(&mut self) {
        ENABLED.store(false, Relaxed);
        AllocationRegistry::untracked(|| {
            if let Ok(mut table) = TABLE.lock() {
                *table = None;
            }
        });
    }
}

/// Per-stack counters at one moment.
#[derive(Clone, Debug, Default)]
pub struct SiteSnapshot {
    sites: BTreeMap<Vec<usize>, (i64, u64)>,
}

/// One source location and how much its allocations grew between snapshots.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SiteGrowth {
    /// `file:line (function)` of the innermost frame in heapbound's own code.
    pub location: String,
    /// Growth of live bytes allocated there.
    pub growth_bytes: i64,
    /// Allocations made there between the snapshots.
    pub allocations: u64,
}

impl SiteSnapshot {
    /// The `limit` locations whose live bytes grew most since `earlier`.
    pub fn growth_since(&self, earlier: &SiteSnapshot, limit: usize) -> Vec<SiteGrowth> {
        let mut by_location: BTreeMap<String, (i64, u64)> = BTreeMap::new();
        for (stack, &(live, allocations)) in &self.sites {
            let (old_live, old_allocations) = earlier.sites.get(stack).copied().unwrap_or((0, 0));
            let growth = live - old_live;
            let new_allocations = allocations - old_allocations.min(allocations);
            if growth == 0 && new_allocations == 0 {
                continue;
            }
            let entry = by_location.entry(project_location(stack)).or_default();
            entry.0 += growth;
            entry.1 += new_allocations;
        }
        let mut growth: Vec<SiteGrowth> = by_location
            .into_iter()
            .map(|(location, (growth_bytes, allocations))| SiteGrowth {
                location,
                growth_bytes,
                allocations,
            })
            .collect();
        growth.sort_by(|a, b| {
            b.growth_bytes
                .cmp(&a.growth_bytes)
                .then_with(|| a.location.cmp(&b.location))
        });
        growth.truncate(limit);
        growth
    }
}

/// The innermost frame that lies in this crate's sources outside the heap
/// tracker itself: the line a developer has to look at.
fn project_location(stack: &[usize]) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");
    let mut found = None;
    for &ip in stack {
        backtrace::resolve(ip as *mut std::ffi::c_void, |symbol| {
            if found.is_some() {
                return;
            }
            let (Some(file), Some(line)) = (symbol.filename(), symbol.lineno()) else {
                return;
            };
            let file = file.to_string_lossy();
            let function = symbol
                .name()
                .map(|name| format!("{name:#}"))
                .unwrap_or_default();
            // The allocator shim is attributed to the line of the
            // `#[global_allocator]` static; the caller is what matters.
            let shim = function.starts_with("__rust");
            if let Some(relative) = file.strip_prefix(root) {
                if !relative.starts_with("heap/") && !shim {
                    found = Some(format!("src/{relative}:{line} ({function})"));
                }
            }
        });
        if found.is_some() {
            break;
        }
    }
    found.unwrap_or_else(|| "<outside heapbound's sources>".to_string())
}

impl std::fmt::Debug for SiteTracing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteTracing").finish_non_exhaustive()
    }
}
