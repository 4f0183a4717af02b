//! A runtime's worker threads charged to the bot's group: tokio's worker
//! threads allocate outside any group until `on_thread_start` attaches
//! them, and then every byte they keep is the bot's.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use heapbound::heap::{Group, GroupHandle};

const BUFFER: usize = 64 * 1024;

/// Runs tasks that each allocate a buffer on a 2-worker runtime and keeps
/// the buffers; `attach` decides whether the workers join `bot`'s group.
fn buffers_from_workers(bot: &Group, attach: bool) -> Vec<Vec<u8>> {
    let handle = bot.handle();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(2);
    if attach {
        builder
            .on_thread_start(move || {
                handle.attach_current_thread();
            })
            .on_thread_stop(|| {
                GroupHandle::detach_current_thread();
            });
    }
    let runtime = builder.build().unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| runtime.spawn(async { vec![7u8; BUFFER] }))
        .collect();
    let buffers = runtime.block_on(async {
        let mut buffers = Vec::new();
        for task in tasks {
            buffers.push(task.await.unwrap());
        }
        buffers
    });
    drop(runtime);
    buffers
}

#[test]
fn worker_threads_count_in_the_bot_group_once_attached_and_not_before() {
    let bot = Group::new();
    let before = buffers_from_workers(&bot, false);
    assert_eq!(before.len(), 8);
    assert!(
        bot.live_bytes() < BUFFER as u64,
        "unattached workers charged {} B to the bot",
        bot.live_bytes()
    );
    drop(before);

    let attached = buffers_from_workers(&bot, true);
    // The eight buffers the workers made, whoever holds them now.
    assert!(
        bot.live_bytes() >= 8 * BUFFER as u64,
        "attached workers charged only {} B",
        bot.live_bytes()
    );
    drop(attached);
    assert!(bot.live_bytes() < BUFFER as u64);
}

#[test]
fn attaching_twice_is_refused_and_detaching_ends_it() {
    let bot = Group::new();
    std::thread::spawn(move || {
        assert!(bot.handle().attach_current_thread());
        assert!(!bot.handle().attach_current_thread());
        let inside = vec![1u8; 1000];
        assert!(bot.live_bytes() >= 1000);
        assert!(GroupHandle::detach_current_thread());
        assert!(!GroupHandle::detach_current_thread());
        let outside = vec![1u8; 5000];
        assert!(bot.live_bytes() < 5000);
        drop((inside, outside));
    })
    .join()
    .unwrap();
}

#[test]
fn a_handle_run_per_call_reuses_its_child_group() {
    // A framework call wrapped in `run` a million times: the bytes it
    // keeps count, and the group ids do not run out.
    let bot = Group::new();
    let handle = bot.handle();
    let mut kept = Vec::new();
    for i in 0..100_000u32 {
        kept.push(handle.run(|| Box::new(i)));
    }
    assert!(bot.live_bytes() >= 100_000 * 4);
    let fresh = Group::new();
    let counted = {
        let mut fresh = fresh;
        let data = fresh.run(|| vec![0u8; 100]);
        let live = fresh.live_bytes();
        drop(data);
        live
    };
    assert_eq!(counted, 100, "a new group still gets an id of its own");
    drop(kept);
    assert_eq!(bot.live_bytes(), 0);
}
