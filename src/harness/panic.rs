//! A panic inside a bot is a finding, not an abort: it is caught where
//! heapbound calls the bot and becomes a `bot-panic` violation naming the
//! message and the location.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

use crate::violation::{Invariant, Violation};

thread_local! {
    /// Depth of `catch` calls on this thread: the hook stays quiet inside.
    static CATCHING: Cell<u32> = const { Cell::new(0) };
    /// What the hook saw of the last panic caught on this thread.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs, once, a panic hook that records a caught panic's message and
/// location instead of printing it, and hands every other panic to the
/// hook that was there before (libFuzzer's, the test harness's).
fn install_hook() {
    // Untracked: the hook lives for the program, not for the bot whose
    // group happens to be entered on the first call.
    HOOK.call_once(|| tracking_allocator::AllocationRegistry::untracked(set_hook));
}

fn set_hook() {
    {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) == 0 {
                previous(info);
                return;
            }
            // Outside the bot's group: the record is heapbound's.
            tracking_allocator::AllocationRegistry::untracked(|| {
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic without a message".to_string());
                let location = info
                    .location()
                    .map(|at| format!(" at {}:{}:{}", at.file(), at.line(), at.column()))
                    .unwrap_or_default();
                CAUGHT.with(|caught| *caught.borrow_mut() = Some(format!("{message}{location}")));
            });
        }));
    }
}

/// Runs `f`; a panic in it becomes a `bot-panic` violation.
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Violation> {
    install_hook();
    CATCHING.with(|depth| depth.set(depth.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|depth| depth.set(depth.get() - 1));
    result.map_err(|_| {
        let detail = CAUGHT
            .with(|caught| caught.borrow_mut().take())
            .unwrap_or_else(|| "a panic".to_string());
        Violation::new(Invariant::BotPanic, 1, 0, "panics")
            .in_component("bot")
            .with_detail(format!("panicked: {detail}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_violation_with_message_and_location() {
        let violation = catch(|| -> u8 { panic!("zero quantity: {}", 0) }).unwrap_err();
        assert_eq!(violation.invariant, Invariant::BotPanic);
        let detail = violation.detail.unwrap();
        assert!(
            detail.starts_with("panicked: zero quantity: 0 at src/harness/panic.rs:"),
            "{detail}"
        );
        assert_eq!(catch(|| 7).unwrap(), 7);
    }
}
