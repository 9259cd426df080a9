//! The `rfo` binary: parse the command line, run, map the outcome to an exit
//! code (0 ok, 1 findings or diffs, 2 usage or input errors) and print any
//! error once.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    rfo::heap::keep_large_allocations_apart();
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
