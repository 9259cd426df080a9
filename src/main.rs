//! The `rfo` binary: parse the command line, run, map the outcome to an exit
//! code (0 ok, 1 findings or diffs, 2 usage or input errors) and print any
//! error once.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    keep_large_allocations_apart();
    let cli = match rfo::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match rfo::cmd::run(cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(rfo::error::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rfo: {e}");
            ExitCode::from(2)
        }
    }
}

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
/// (docs/performance.md, "Session 10").
fn keep_large_allocations_apart() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt takes no pointer and only sets one of the
    // allocator's parameters (it is thread-safe; it runs first anyway).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}
