//! Bad input: a clear message naming the file (and line), exit 2; unparsed
//! lines are counted and reported, never dropped silently.

mod common;
use common::*;
use std::io::Write;

const CASE: &str = "servercentral-2017-02-22";

#[test]
fn missing_bundle_exits_2_naming_it() {
    let (code, out, err) = run(&["analyze", "/nonexistent/bundle-dir"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.starts_with("rfo: /nonexistent/bundle-dir: "), "{err}");
}

#[test]
fn bad_manifest_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.log"), "x\n").unwrap();
    std::fs::write(
        dir.path().join("bundle.toml"),
        "[incident]\ntitle = \"t\"\n\n[[source]]\npath = \"a.log\"\nzone = \"Mars/Olympus\"\n",
    )
    .unwrap();
    let (code, _, err) = run(&["analyze", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bundle.toml:6:8: unknown time zone \"Mars/Olympus\""),
        "{err}"
    );
    std::fs::write(
        dir.path().join("bundle.toml"),
        "[[source]]\npath = \"a.log\"\ngrammar = \"nope\"\n",
    )
    .unwrap();
    let (code, _, err) = run(&["analyze", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bundle.toml:3:11: unknown grammar \"nope\""),
        "{err}"
    );
}

#[test]
fn unreadable_member_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b");
    copy_dir(&fixture(CASE), &b);
    // A gzip member cut in half cannot be read to the end.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&b"[1487822212] SERVICE ALERT: portal;HTTP;CRITICAL;SOFT;1;x\n".repeat(5000))
        .unwrap();
    let gz = e.finish().unwrap();
    std::fs::write(b.join("nagios.log.1.gz"), &gz[..gz.len() / 2]).unwrap();
    let (code, _, err) = run(&["analyze", b.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("nagios.log.1.gz: read error after line"),
        "{err}"
    );
}

#[test]
fn unparsed_lines_are_counted_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b");
    copy_dir(&fixture(CASE), &b);
    let mut log = std::fs::read_to_string(b.join("core-switch.log")).unwrap();
    log.push_str(
        "garbage that no grammar reads\n000999: Feb 30 10:00:00 CST: %SYS-5-CONFIG_I: x\n",
    );
    std::fs::write(b.join("core-switch.log"), log).unwrap();
    let (code, out, err) = run(&["analyze", b.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let a = json(&out);
    let src = &a["sources"][0];
    assert_eq!(src["path"], "core-switch.log");
    assert_eq!(
        (
            src["lines"].as_u64(),
            src["parsed"].as_u64(),
            src["unparsed"].as_u64()
        ),
        (Some(24), Some(22), Some(2))
    );
    let f = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unparsed-lines")
        .expect("an unparsed-lines finding");
    assert_eq!(f["evidence"]["line"], 23);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("core-switch.log: 2 of 24 lines not parsed by grammar cisco-ios (1 with a date that does not exist, first at line 24: Feb 30 does not exist); first at line 23, column "),
        "{f}"
    );
}

#[test]
fn unknown_files_are_listed_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b");
    copy_dir(&fixture(CASE), &b);
    std::fs::write(
        b.join("notes.txt"),
        "called the vendor\nthey said it was fine\n",
    )
    .unwrap();
    let (code, out, _) = run(&["analyze", b.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0);
    let a = json(&out);
    let s = a["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == "notes.txt")
        .unwrap();
    assert_eq!(s["grammar"], serde_json::Value::Null);
    assert_eq!(s["unparsed"], 2);
    assert!(a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "unknown-format"
            && f["message"]
                .as_str()
                .unwrap()
                .starts_with("notes.txt: no grammar recognises this file")));
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, err) = run(&[
        "analyze",
        fixture(CASE).to_str().unwrap(),
        "--zone",
        "Nowhere/City",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--zone \"Nowhere/City\": unknown time zone"),
        "{err}"
    );
    let (code, _, _) = run(&["analyze"]);
    assert_eq!(code, 2);
    let (code, _, err) = run(&[
        "analyze",
        fixture(CASE).to_str().unwrap(),
        "--abbrev",
        "CDT",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("expected ABBR=OFFSET"), "{err}");
}

#[test]
fn output_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rfo.md");
    let (code, stdout, _) = run(&[
        "analyze",
        fixture(CASE).to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(stdout.is_empty());
    let (_, direct, _) = run(&["analyze", fixture(CASE).to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), direct);
}

#[test]
fn a_template_naming_an_unknown_field_is_an_error_not_an_empty_string() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("mine.hbs");
    std::fs::write(&t, "Title: {{incident.title}}\nOwner: {{incident.owner}}\n").unwrap();
    let (code, out, err) = run(&[
        "analyze",
        fixture(CASE).to_str().unwrap(),
        "--template",
        t.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("mine.hbs") && err.contains("owner"), "{err}");
    std::fs::write(&t, "Title: {{incident.title}}\n").unwrap();
    let (code, out, _) = run(&[
        "analyze",
        fixture(CASE).to_str().unwrap(),
        "--template",
        t.to_str().unwrap(),
    ]);
    assert_eq!((code, out.as_str()), (0, "Title: Customer portal outage\n"));
}

#[test]
fn log_text_cannot_inject_markdown_into_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b");
    copy_dir(&fixture(CASE), &b);
    // The operator's acknowledgement comment is quoted in the timeline.
    let log = std::fs::read_to_string(b.join("nagios.log")).unwrap();
    let evil = log.replace(
        "kpatel;Working with netadmin on core-sw1",
        "kpatel;Working | **pwned** [x](http://evil) <script>",
    );
    std::fs::write(b.join("nagios.log"), evil).unwrap();
    let (code, md, _) = run(&["analyze", b.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        md.contains(r"Working \| \*\*pwned\*\* \[x\](http://evil) \<script\>"),
        "{md}"
    );
    assert!(
        !md.contains("**pwned**") && !md.contains("<script>") && !md.contains("[x](http"),
        "{md}"
    );
}

#[test]
fn the_shipped_postmortem_and_html_templates_render() {
    let t = root().join("templates/postmortem.md.hbs");
    let (code, md, err) = run(&[
        "analyze",
        fixture(CASE).to_str().unwrap(),
        "--template",
        t.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        md.starts_with("# Postmortem: Customer portal outage\n"),
        "{md}"
    );
    assert!(
        md.contains("Trigger (candidate, to be confirmed): configuration changed by netadmin"),
        "{md}"
    );
    let (code, html, err) = run(&[
        "analyze",
        fixture(CASE).to_str().unwrap(),
        "--format",
        "html",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        html.contains("<svg") && html.contains("<dt>Event Start</dt><dd>21:56 CST (03:56 UTC)"),
        "{html}"
    );
}
