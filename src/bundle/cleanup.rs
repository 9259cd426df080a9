//! Unpacked archives are removed when a run is interrupted.
//!
//! A `TempDir` is removed when it is dropped, but SIGINT or SIGTERM end
//! the process without running destructors: an interrupted run over a
//! large archive left its unpacked copy (1.1 GB in issue 13's sweep) in
//! the temp directory. So every unpack directory is registered here, and
//! a handler installed with the first one (ctrlc, with SIGTERM too)
//! removes the registered directories and exits with 130.
//!
//! Unpacking creates each member's file while holding the registry's lock
//! (`create`), and the handler holds that lock from removing to exiting:
//! no member can re-create a directory the handler has just removed. A
//! member still being written goes to an already-unlinked file.
//!
//! Installing the handler is best effort: if the process already has one
//! (rfo as a library inside another program), that program's stays.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};

/// The exit code of a run ended by a signal (128 + SIGINT).
pub const INTERRUPTED: i32 = 130;

static DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static HANDLER: Once = Once::new();

fn dirs() -> MutexGuard<'static, Vec<PathBuf>> {
    DIRS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A registered unpack directory; dropping it forgets the directory (drop
/// it after the directory itself is removed).
#[derive(Debug)]
pub struct Registration(PathBuf);

/// Install the signal handler (once): call before creating a directory
/// to register, so that no signal finds it unregistered and unhandled.
pub fn install() {
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(on_signal);
    });
}

/// Register `dir` for removal on SIGINT/SIGTERM.
pub fn register(dir: &Path) -> Registration {
    install();
    dirs().push(dir.to_path_buf());
    Registration(dir.to_path_buf())
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut d = dirs();
        if let Some(k) = d.iter().position(|p| *p == self.0) {
            d.swap_remove(k);
        }
    }
}

/// Run `f` (which creates files below `dir`) under the registry's lock;
/// `None` when the directory is no longer registered (being removed).
pub fn create<T>(dir: &Path, f: impl FnOnce() -> T) -> Option<T> {
    let d = dirs();
    d.iter().any(|p| p == dir).then(f)
}

fn on_signal() {
    let d = dirs();
    for dir in d.iter() {
        let _ = std::fs::remove_dir_all(dir);
    }
    std::process::exit(INTERRUPTED);
}
