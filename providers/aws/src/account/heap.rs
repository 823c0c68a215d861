//! Giving freed memory back between the phases of a large assessment.
//!
//! The parallel phases allocate on worker threads, and glibc gives each
//! thread its own arena: what a phase frees there (a policy set's grants,
//! a walk's merge tables) stays mapped around the few entries that
//! survive, and is not reused by the next, single-threaded phase. On a
//! 5,000-role account that is some 10 MB of the peak (benches/account.rs).

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
