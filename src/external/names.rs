//! Component names a bot process declares, as `&'static str`.

use std::collections::BTreeSet;
use std::sync::Mutex;

/// Component names live as long as the program; one copy of each name,
/// kept outside any group (it outlives every bot that reported it).
pub(crate) fn intern(name: &str) -> &'static str {
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    tracking_allocator::AllocationRegistry::untracked(|| {
        let Ok(mut names) = NAMES.lock() else {
            return "component";
        };
        if let Some(known) = names.get(name) {
            return *known;
        }
        let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
        names.insert(leaked);
        leaked
    })
}
