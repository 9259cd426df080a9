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
/// leave stay resident. A fixed threshold keeps every block over 128 KiB
/// in its own mapping (grown by `mremap`, unmapped on free). The 100 MB
/// flapping storm peaked at 181 MB without it and 158 MB with it, in the
/// same time (docs/performance.md, "Session 10").
fn keep_large_allocations_apart() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets one of the allocator's parameters, and is
    // called first thing, before rayon starts any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
