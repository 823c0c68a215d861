//! The allocator's share of a large assessment's memory.
//!
//! The parallel phases allocate on worker threads, and glibc gives each
//! thread its own arena: what a phase frees there (a policy set's grants,
//! a walk's merge tables) stays mapped around the few entries that
//! survive, and is not reused by the next, single-threaded phase. On a
//! 5,000-role account that was some 25 of 160 MiB at the peak
//! (benches/account.rs): the binary limits the arenas, and the assessment
//! returns free pages once its walks are done (earlier as well cost more
//! time than it saved memory).
//!
//! The binary now runs on jemalloc with one arena (its default feature
//! `jemalloc`), where neither applies; they stay for glibc builds
//! (`--no-default-features`) and other users of this crate.

/// Caps glibc at `n` malloc arenas (`mallopt(M_ARENA_MAX)`); elsewhere a
/// no-op. For a process's start, before threads are made: the binary
/// built without jemalloc calls it with 2 (the audit's threads then share
/// the main arena or one other, at no measurable cost in time).
pub fn limit_arenas(n: i32) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const M_ARENA_MAX: i32 = -8;
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: mallopt only sets a tuning parameter of the allocator.
        unsafe {
            mallopt(M_ARENA_MAX, n);
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = n;
}

/// Returns whole free pages of every arena to the system (glibc's
/// `malloc_trim`); elsewhere a no-op.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only walks the allocator's own free lists;
        // it takes no pointer and may be called at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}
