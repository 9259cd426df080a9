//! What a panic leaves behind. A release build aborts on a panic instead
//! of unwinding (Cargo.toml), so no unpacked archive's `TempDir` is
//! dropped; the binary's panic hook removes every registered directory
//! instead. Its own test binary: the removal is process-wide and must not
//! meet another test's unpacking.

use rfo::bundle::cleanup;

/// Triggered by the review of `panic = "abort"` (session 26): without the
/// hook's removal, a panic left the unpacked copy of an archive (up to the
/// 4 GiB unpack limit) in the temp directory, the leak issue 13 fixed for
/// signals.
#[test]
fn a_panic_removes_the_unpacked_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..3)
        .map(|k| tmp.path().join(format!("unpacked-{k}")))
        .collect();
    let mut regs = Vec::new();
    for d in &dirs {
        std::fs::create_dir_all(d.join("logs")).unwrap();
        std::fs::write(
            d.join("logs/messages"),
            "Feb 22 21:56:04 web01 sshd[1]: x\n",
        )
        .unwrap();
        regs.push(cleanup::register(d));
    }
    let kept = tmp.path().join("not-registered");
    std::fs::create_dir_all(&kept).unwrap();
    cleanup::remove_registered();
    for d in &dirs {
        assert!(!d.exists(), "{} left behind", d.display());
    }
    assert!(kept.exists(), "an unregistered directory was removed");
    drop(regs);
    // Nothing registered any more: a second call removes nothing.
    std::fs::create_dir_all(&dirs[0]).unwrap();
    cleanup::remove_registered();
    assert!(dirs[0].exists());
}
