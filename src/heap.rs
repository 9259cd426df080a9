//! How rfo asks glibc's allocator to hand memory back to the system.
//!
//! Peak resident memory is one of rfo's budgets (issue 16: a 100 MB
//! flapping storm, every line an event), and glibc keeps freed memory
//! resident unless told otherwise. Both calls are no-ops elsewhere.

/// Large blocks get pages of their own, returned when freed.
///
/// glibc raises its mmap threshold each time it frees a large mapped block
/// (up to 32 MiB): after ingest frees its per-chunk event lists, the
/// engine's big lists grow inside the heap by copying, and the holes they
/// leave stay resident. A fixed threshold of 1 MiB keeps every larger
/// block in its own mapping for the whole run (grown by `mremap`, unmapped
/// on free). The 100 MB flapping storm peaked at 181 MB without it and
/// 161 MB with it; 128 KiB (glibc's starting value) gave 158 MB but cost
/// the bench bundle fresh pages for its many buffers of a few hundred KiB
/// (docs/performance.md, "Session 10"). Call it first, before any thread.
pub fn keep_large_allocations_apart() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt takes no pointer and only sets one of the
    // allocator's parameters (it is thread-safe; it runs first anyway).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

/// Events kept from which `return_freed` is worth calling after ingest.
///
/// The call walks every arena on one thread (about 2 ms of the bench
/// bundle's 210, which keeps 73 k events, for no lower peak there); the
/// window engine's lists that would reuse the pages grow with the events.
pub const RETURN_FREED_FROM_EVENTS: usize = 1 << 18;

/// Returns the free pages of every arena to the system.
///
/// Ingest parses on every thread, and what each chunk's parse freed stays
/// resident in that thread's arena, in pieces below the mmap threshold,
/// while the window engine builds its lists: 4 MiB of the 100 MB storm's
/// peak (docs/performance.md, "Session 13").
pub fn return_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer; it only releases free memory
    // the allocator holds, under the allocator's own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}
