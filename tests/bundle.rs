//! Bundles as archives: read like directories, never modified, hostile
//! members skipped and reported.

mod common;
use common::*;

const CASE: &str = "servercentral-2017-02-22";

fn add_dir(
    b: &mut tar::Builder<flate2::write::GzEncoder<std::fs::File>>,
    dir: &std::path::Path,
    prefix: &str,
) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        if e.file_type().unwrap().is_dir() {
            if name != "expected" {
                add_dir(b, &e.path(), &format!("{name}/"));
            }
        } else {
            b.append_path_with_name(e.path(), &name).unwrap();
        }
    }
}

#[test]
fn a_tar_gz_bundle_reads_like_its_directory_and_skips_hostile_members() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("incident.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&archive).unwrap(),
        flate2::Compression::fast(),
    );
    let mut b = tar::Builder::new(gz);
    add_dir(&mut b, &fixture(CASE), "");
    // A member that tries to climb out of the bundle, and a symlink.
    let mut h = tar::Header::new_gnu();
    let evil = b"[1487822212] SERVICE ALERT: evil;HTTP;CRITICAL;HARD;3;x\n";
    h.set_size(evil.len() as u64);
    h.set_mode(0o644);
    h.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"../escape.log");
    h.set_cksum();
    b.append(&h, &evil[..]).unwrap();
    let mut l = tar::Header::new_gnu();
    l.set_entry_type(tar::EntryType::Symlink);
    l.set_size(0);
    b.append_link(&mut l, "passwd.log", "/etc/passwd").unwrap();
    b.into_inner().unwrap().finish().unwrap();
    let before = std::fs::metadata(&archive).unwrap().len();

    let (code, out, err) = run(&["analyze", archive.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let a = json(&out);
    let (_, plain, _) = run(&[
        "analyze",
        fixture(CASE).to_str().unwrap(),
        "--format",
        "json",
    ]);
    let d = json(&plain);
    assert_eq!(a["windows"], d["windows"]);
    assert_eq!(a["sources"], d["sources"]);
    let skipped: Vec<&str> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "member-skipped")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(
        skipped
            .iter()
            .any(|m| m.contains("../escape.log was not read: its path leaves the bundle")),
        "{skipped:?}"
    );
    assert!(
        skipped
            .iter()
            .any(|m| m.contains("passwd.log was not read")),
        "{skipped:?}"
    );
    assert!(!dir.path().join("escape.log").exists());
    assert_eq!(std::fs::metadata(&archive).unwrap().len(), before);
}

/// An empty bundle is an input error naming it (issue 13): exit 0 with
/// "No outage window was found" read as if the logs had shown no outage.
#[test]
fn an_empty_bundle_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["analyze", p, "--format", "json"]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(err.trim_end(), format!("rfo: {p}: no log files in {p}"));
}

/// A tarball packed the usual way (`tar czf b.tgz bundle/`) reads like the
/// directory it packed: its `bundle.toml` is found, its `.rfoignore` kept.
#[test]
fn a_tarball_of_a_fixture_folder_reads_like_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("b.tgz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&archive).unwrap(),
        flate2::Compression::fast(),
    );
    let mut b = tar::Builder::new(gz);
    b.append_dir_all(CASE, fixture(CASE)).unwrap();
    b.into_inner().unwrap().finish().unwrap();
    let (code, out, err) = run(&["analyze", archive.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let (_, plain, _) = run(&[
        "analyze",
        fixture(CASE).to_str().unwrap(),
        "--format",
        "json",
    ]);
    let (a, d) = (json(&out), json(&plain));
    for key in ["incident", "sources", "windows", "skipped", "findings"] {
        assert_eq!(a[key], d[key], "{key}");
    }
}

#[test]
fn binary_data_and_huge_lines_are_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("core.bin"),
        (0..=255u8).cycle().take(100_000).collect::<Vec<u8>>(),
    )
    .unwrap();
    let long = format!("Feb 22 21:56:04 web01 app: {}\n", "x".repeat(3 << 20));
    std::fs::write(
        dir.path().join("app.log"),
        format!("Feb 22 21:56:03 web01 app: start\n{long}"),
    )
    .unwrap();
    let (code, out, err) = run(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--year",
        "2017",
    ]);
    assert_eq!(code, 0, "{err}");
    let a = json(&out);
    let app = a["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == "app.log")
        .unwrap();
    assert_eq!(
        (app["lines"].as_u64(), app["unparsed"].as_u64()),
        (Some(2), Some(1))
    );
    let bin = a["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == "core.bin")
        .unwrap();
    assert_eq!(bin["grammar"], serde_json::Value::Null);
}
