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

/// The innermost frame of the code that grew: not the standard library,
/// not a collection crate (the map that grew is not the news, its caller
/// is), not heapbound's own machinery (the tracker, the harness and
/// drivers that called the bot). Heapbound's bots and bounded containers
/// count as code; so do a framework's sources in a dependency, shown from
/// the crate's folder (`barter-execution-0.9.0/src/...`).
fn project_location(stack: &[usize]) -> String {
    let mut found = None;
    for &ip in stack {
        backtrace::resolve(ip as *mut std::ffi::c_void, |symbol| {
            if found.is_some() {
                return;
            }
            let (Some(file), Some(line)) = (symbol.filename(), symbol.lineno()) else {
                return;
            };
            let function = symbol
                .name()
                .map(|name| format!("{name:#}"))
                .unwrap_or_default();
            // The allocator shim is attributed to the line of the
            // `#[global_allocator]` static; the caller is what matters.
            if function.starts_with("__rust") {
                return;
            }
            if let Some(place) = code_place(&file.to_string_lossy()) {
                found = Some(format!("{place}:{line} ({function})"));
            }
        });
        if found.is_some() {
            break;
        }
    }
    found.unwrap_or_else(|| "<no frame outside std and heapbound's machinery>".to_string())
}

/// `file` as a report names it, or `None` for a frame to look past.
fn code_place(file: &str) -> Option<String> {
    const MACHINERY: [&str; 5] = ["heap/", "harness/", "sim/", "cli/", "monitor/"];
    // Containers, the allocator hook, and the unwinder the site tracing
    // itself calls.
    const COLLECTIONS: [&str; 8] = [
        "tracking-allocator-",
        "hashbrown-",
        "indexmap-",
        "smallvec-",
        "arrayvec-",
        "backtrace-",
        "gimli-",
        "addr2line-",
    ];
    let heapbound = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");
    if let Some(relative) = file.strip_prefix(heapbound) {
        return (!MACHINERY.iter().any(|dir| relative.starts_with(dir)))
            .then(|| format!("src/{relative}"));
    }
    // The standard library's sources (and its own dependencies, such as
    // its hashbrown), wherever the toolchain keeps them.
    let std = ["/rustc/", "/rust/deps/", "/lib/rustlib/", "/library/"];
    if std
        .iter()
        .any(|dir| file.starts_with(dir) || file.contains(dir))
    {
        return None;
    }
    // A dependency: from its crate folder on.
    if let Some(at) = file.find("/registry/src/") {
        let in_index = &file[at + "/registry/src/".len()..];
        let from_crate = in_index.split_once('/').map_or(in_index, |(_, rest)| rest);
        return (!COLLECTIONS.iter().any(|name| from_crate.starts_with(name)))
            .then(|| from_crate.to_string());
    }
    let cwd = std::env::current_dir().ok();
    let relative = cwd
        .as_deref()
        .and_then(|cwd| std::path::Path::new(file).strip_prefix(cwd).ok())
        .map(|path| path.display().to_string());
    Some(relative.unwrap_or_else(|| file.to_string()))
}

impl std::fmt::Debug for SiteTracing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteTracing").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod place_tests {
    use super::code_place;

    #[test]
    fn frames_are_named_past_std_collections_and_heapbounds_machinery() {
        let heapbound = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");
        assert_eq!(code_place(&format!("{heapbound}harness/run.rs")), None);
        assert_eq!(code_place(&format!("{heapbound}heap/group.rs")), None);
        assert_eq!(
            code_place(&format!("{heapbound}paper/bot.rs")).as_deref(),
            Some("src/paper/bot.rs")
        );
        assert_eq!(
            code_place("/rustc/abc123/library/alloc/src/vec/mod.rs"),
            None
        );
        assert_eq!(
            code_place("/rust/deps/hashbrown-0.16.1/src/raw/alloc.rs"),
            None
        );
        assert_eq!(
            code_place("/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hashbrown-0.15.2/src/raw/mod.rs"),
            None
        );
        assert_eq!(
            code_place("/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/barter-execution-0.9.0/src/exchange/mock/account.rs")
                .as_deref(),
            Some("barter-execution-0.9.0/src/exchange/mock/account.rs")
        );
        assert_eq!(
            code_place("/elsewhere/my-bot/src/lib.rs").as_deref(),
            Some("/elsewhere/my-bot/src/lib.rs")
        );
    }
}
