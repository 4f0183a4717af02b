//! A value whose heap bytes are charged to its own allocation group.

use super::group::Group;
use super::slots::HeapStats;

/// Wraps a container so every allocation it makes (when built and when
/// mutated through [`Tracked::with_mut`]) is charged to its own group.
///
/// ```
/// use heapbound::heap::{Group, Tracked};
/// let bot = Group::new();
/// let mut log = Tracked::new_in(&bot, Vec::<u64>::new);
/// log.with_mut(|log| log.push(7));
/// assert_eq!(log.get().len(), 1);
/// ```
pub struct Tracked<T> {
    // Declared before `group` so the value is freed while its group is
    // still registered, and the group sees its bytes return to zero.
    value: T,
    group: Group,
}

impl<T> Tracked<T> {
    /// Builds the value inside a new group under the one entered on this thread.
    pub fn new(build: impl FnOnce() -> T) -> Tracked<T> {
        let mut group = Group::new();
        let value = group.run(build);
        Tracked { value, group }
    }

    /// Builds the value inside a new child group of `parent`.
    pub fn new_in(parent: &Group, build: impl FnOnce() -> T) -> Tracked<T> {
        let mut group = Group::child_of(parent);
        let value = group.run(build);
        Tracked { value, group }
    }

    /// Read access; reads are not expected to allocate.
    pub fn get(&self) -> &T {
        &self.value
    }

    /// Mutates the value with its group entered.
    #[inline]
    pub fn with_mut<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> R {
        let _entered = self.group.enter();
        f(&mut self.value)
    }

    /// Enters the value's group without touching the value, so related
    /// allocations elsewhere are charged to this component.
    pub fn enter(&mut self) -> super::Entered<'_> {
        self.group.enter()
    }

    /// Mutable access without entering the group, for operations that are
    /// allocation-free by construction (a push into reserved storage).
    /// Anything they did allocate would still be charged to the parent.
    #[inline]
    pub fn get_mut_untracked(&mut self) -> &mut T {
        &mut self.value
    }

    /// The group its bytes are charged to.
    pub fn group(&self) -> &Group {
        &self.group
    }

    /// The group's counters.
    pub fn stats(&self) -> HeapStats {
        self.group.stats()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Tracked<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracked")
            .field("value", &self.value)
            .field("group", &self.group)
            .finish()
    }
}
