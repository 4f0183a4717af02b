//! Allocation groups: named buckets of heap bytes, one per component.

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::sync::Mutex;

use tracking_allocator::{AllocationGroupToken, AllocationGuard, AllocationRegistry};

use super::slots::{self, HeapStats, MAX_SLOTS, ROOT_SLOT};

thread_local! {
    /// The heapbound group active on this thread, so a new group knows its parent.
    static CURRENT_SLOT: Cell<usize> = const { Cell::new(ROOT_SLOT) };
    /// The group this thread is attached to
    /// ([`GroupHandle::attach_current_thread`]). Never dropped when the
    /// thread exits: leaving a group touches thread-locals that may be gone
    /// by then, and the thread's allocations stop with it anyway.
    static ATTACHED: RefCell<Option<ManuallyDrop<Entered<'static>>>> = const { RefCell::new(None) };
}

/// Child groups [`GroupHandle::run`] made and is done with, by the slot of
/// the group they are children of, reused by the next `run` of a handle to
/// that group: a group that still holds bytes when dropped never gives its
/// id back, so a fresh group per call would use up the ids of a bot that
/// runs its framework's calls through a handle.
static IDLE_CHILDREN: Mutex<Vec<(usize, Group)>> = Mutex::new(Vec::new());

/// Tokens whose slots are free for reuse. Group ids only grow in
/// `tracking-allocator`, so recycling tokens keeps them inside `MAX_SLOTS`
/// however many bots a fuzzer creates.
static POOL: Mutex<Vec<AllocationGroupToken>> = Mutex::new(Vec::new());

/// `AllocationGroupToken::register` returns `None` not only when ids run
/// out but also when two threads register at once (its overflow check
/// compares against a maximum the other thread may have raised first). Such
/// a `None` is spurious, so try again; the ids it hands out stay unique.
fn register_token() -> Option<AllocationGroupToken> {
    (0..1_000).find_map(|_| AllocationGroupToken::register())
}

/// An allocation group: every byte allocated on a thread while the group is
/// entered is charged to it, and to each of its ancestors.
///
/// ```
/// use heapbound::heap::Group;
/// let mut cache = Group::new();
/// let data = {
///     let _in_cache = cache.enter();
///     vec![0u8; 100]
/// };
/// // Without heapbound's allocator installed the counters stay at zero.
/// assert!(cache.stats().live_bytes == 100 || !heapbound::heap::is_tracking());
/// drop(data);
/// ```
pub struct Group {
    token: Option<AllocationGroupToken>,
    slot: usize,
}

impl Group {
    /// A new group whose parent is the group entered on this thread (the
    /// process root when none is).
    pub fn new() -> Group {
        let parent = CURRENT_SLOT.with(Cell::get);
        Group::with_parent_slot(parent)
    }

    /// A new group charged to `parent` as well.
    pub fn child_of(parent: &Group) -> Group {
        Group::with_parent_slot(parent.slot)
    }

    fn with_parent_slot(parent: usize) -> Group {
        slots::ensure_tracker();
        let token = AllocationRegistry::untracked(|| {
            let recycled = POOL.lock().ok().and_then(|mut pool| pool.pop());
            recycled.or_else(register_token)
        });
        let slot = token
            .as_ref()
            .map(|token| token.id().as_usize().get())
            .filter(|&slot| slot < MAX_SLOTS);
        match (token, slot) {
            (Some(token), Some(slot)) => {
                slots::slot(slot).claim(parent);
                Group {
                    token: Some(token),
                    slot,
                }
            }
            // Out of ids: the group still works as a scope for the allocator,
            // but its bytes are counted nowhere and `stats` reads zero.
            (token, _) => Group {
                token,
                slot: ROOT_SLOT,
            },
        }
    }

    /// Makes this group the one charged for allocations on this thread until
    /// the returned guard drops.
    pub fn enter(&mut self) -> Entered<'_> {
        let previous = CURRENT_SLOT.with(|current| current.replace(self.slot));
        Entered {
            guard: self.token.as_mut().map(AllocationGroupToken::enter),
            previous,
            _not_send: PhantomData,
        }
    }

    /// Runs `f` inside this group.
    pub fn run<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let _entered = self.enter();
        f()
    }

    /// The group's counters, including those of its child groups.
    pub fn stats(&self) -> HeapStats {
        if self.slot == ROOT_SLOT {
            return HeapStats::default();
        }
        slots::slot(self.slot).stats()
    }

    /// Live bytes of this group and its children.
    pub fn live_bytes(&self) -> u64 {
        self.stats().live_bytes
    }

    pub(crate) fn slot(&self) -> usize {
        self.slot
    }

    /// A handle other threads use to charge their allocations to this group
    /// (see [`GroupHandle`]).
    pub fn handle(&self) -> GroupHandle {
        GroupHandle { slot: self.slot }
    }

    /// Starts a new peak measurement from the current live bytes.
    pub fn reset_peak(&self) {
        if self.slot != ROOT_SLOT {
            slots::slot(self.slot).reset_peak();
        }
    }
}

impl Default for Group {
    fn default() -> Self {
        Group::new()
    }
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("slot", &self.slot)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let Some(token) = self.token.take() else {
            return;
        };
        // A group that still owns bytes is never reused: whoever frees them
        // later would otherwise be charged to the slot's next owner.
        if self.slot != ROOT_SLOT && slots::slot(self.slot).live() == 0 {
            AllocationRegistry::untracked(|| {
                if let Ok(mut pool) = POOL.lock() {
                    pool.push(token);
                }
            });
        }
        // Otherwise the token is dropped here and its id never handed out again.
    }
}

/// Guard returned by [`Group::enter`]; leaving it restores the previous group.
pub struct Entered<'a> {
    guard: Option<AllocationGuard<'a>>,
    previous: usize,
    _not_send: PhantomData<*const ()>,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        CURRENT_SLOT.with(|current| current.set(self.previous));
        drop(self.guard.take());
    }
}

/// Lets work on another thread be charged to a group: allocations are
/// charged to the group entered *on the allocating thread*, so a thread a
/// bot spawns is outside the bot's group unless it enters it.
///
/// ```
/// use heapbound::heap::Group;
/// let mut bot = Group::new();
/// let worker = bot.handle().spawn(|| vec![0u8; 4096]);
/// let buffer = worker.join().unwrap();
/// // The worker's allocation is charged to `bot` (when tracking is on).
/// assert!(bot.live_bytes() >= 4096 || !heapbound::heap::is_tracking());
/// drop(buffer);
/// ```
///
/// The handle must not outlive its group: a dropped group's id may be
/// handed to a new group.
#[derive(Clone, Copy, Debug)]
pub struct GroupHandle {
    slot: usize,
}

impl GroupHandle {
    /// Runs `f` on the current thread inside a child group of the handle's
    /// group (so its allocations count in the group), the same few child
    /// groups reused call after call.
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        let mut child = AllocationRegistry::untracked(|| {
            let mut idle = IDLE_CHILDREN
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let at = idle.iter().rposition(|(parent, _)| *parent == self.slot);
            at.map(|at| idle.swap_remove(at).1)
        })
        .unwrap_or_else(|| Group::with_parent_slot(self.slot));
        let result = child.run(f);
        AllocationRegistry::untracked(|| {
            IDLE_CHILDREN
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((self.slot, child));
        });
        result
    }

    /// Charges every later allocation of the current thread to the
    /// handle's group (through a child group of its own), until
    /// [`detach_current_thread`](GroupHandle::detach_current_thread) or the
    /// thread's end: for the worker threads a runtime starts, whose work
    /// heapbound cannot wrap in [`run`](GroupHandle::run). Returns `false`
    /// (and changes nothing) when the thread is attached already.
    ///
    /// ```no_run
    /// # let bot = heapbound::heap::Group::new();
    /// let handle = bot.handle();
    /// // With tokio: every worker thread's allocations are the bot's.
    /// // tokio::runtime::Builder::new_multi_thread()
    /// //     .on_thread_start(move || { handle.attach_current_thread(); })
    /// //     .on_thread_stop(|| { heapbound::heap::GroupHandle::detach_current_thread(); })
    /// handle.attach_current_thread();
    /// ```
    ///
    /// Each attachment keeps one of the process's 16,384 group ids for
    /// good: attach the threads of a fixed pool, not one-off threads. The
    /// handle's group must outlive the attachment.
    pub fn attach_current_thread(self) -> bool {
        ATTACHED.with(|attached| {
            let mut attached = attached.borrow_mut();
            if attached.is_some() {
                return false;
            }
            // Leaked: the thread-local holds the guard, which borrows it.
            let group: &'static mut Group = AllocationRegistry::untracked(|| {
                Box::leak(Box::new(Group::with_parent_slot(self.slot)))
            });
            *attached = Some(ManuallyDrop::new(group.enter()));
            true
        })
    }

    /// Ends [`attach_current_thread`](GroupHandle::attach_current_thread)
    /// on this thread; `false` when it was not attached.
    pub fn detach_current_thread() -> bool {
        let entered = ATTACHED.with(|attached| attached.borrow_mut().take());
        match entered {
            Some(entered) => {
                drop(ManuallyDrop::into_inner(entered));
                true
            }
            None => false,
        }
    }

    /// Spawns a thread whose every allocation is charged to the handle's group.
    pub fn spawn<R: Send + 'static>(
        self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> std::thread::JoinHandle<R> {
        std::thread::spawn(move || self.run(f))
    }
}

impl std::fmt::Debug for Entered<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entered")
            .field("previous_slot", &self.previous)
            .finish_non_exhaustive()
    }
}
