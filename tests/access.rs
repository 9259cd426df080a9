//! Access logs on bad input (issue 15): malformed lines are counted and
//! sampled, files without a status are not taken for access logs, and
//! thin traffic never opens a window.

mod common;

use common::{json, run};

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// `n` requests a minute for `minutes` minutes from 10:00 +0100, `bad` of
/// each minute's requests answered 503.
fn clf(minutes: u32, n: u32, bad: u32) -> String {
    let mut s = String::new();
    for m in 0..minutes {
        for k in 0..n {
            let status = if k < bad { 503 } else { 200 };
            s.push_str(&format!(
                "10.0.0.{} - - [14/May/2019:10:{m:02}:{:02} +0100] \"GET /x HTTP/1.1\" {status} 12 \"-\" \"curl\" 0.010 0.009\n",
                k % 250 + 1,
                k * 60 / n
            ));
        }
    }
    s
}

#[test]
fn malformed_lines_are_counted_and_sampled() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = clf(2, 30, 0);
    text.insert_str(0, "garbage\n");
    text.push_str(
        "<html>oops</html>\n1.2.3.4 - - [14/May/2019:10:30:59 +0100] \"GET / HTTP/1.1\" abc 12\n",
    );
    write(dir.path(), "access.log", &text);
    let (code, out, err) = run(&["analyze", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let a = json(&out);
    assert_eq!(a["sources"][0]["grammar"], "access-clf");
    assert_eq!(a["sources"][0]["unparsed"], 3);
    let f = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unparsed-lines")
        .expect("an unparsed-lines finding");
    assert_eq!(
        f["message"],
        "access.log: 3 of 63 lines not parsed by grammar access-clf; first at line 1, column 8; also lines 62, 63"
    );
}

#[test]
fn a_file_without_a_status_is_not_an_access_log() {
    let dir = tempfile::tempdir().unwrap();
    // The CLF shape with the status and size cut off.
    let f = write(
        dir.path(),
        "odd.log",
        "10.0.0.1 - - [14/May/2019:10:00:00 +0100] \"GET / HTTP/1.1\"\n10.0.0.2 - - [14/May/2019:10:00:01 +0100] \"GET /x HTTP/1.1\"\n",
    );
    let (code, _, err) = run(&["parse", &f]);
    assert_eq!(code, 2, "no grammar may claim it: {err}");
    assert!(err.contains("no grammar recognises"), "{err}");
    // JSON lines without a status are application logs, not requests.
    let f = write(
        dir.path(),
        "app.jsonl",
        "{\"ts\":\"2019-05-14T10:00:00Z\",\"msg\":\"hello\",\"level\":\"info\",\"duration\":0.2}\n{\"ts\":\"2019-05-14T10:00:01Z\",\"msg\":\"world\",\"level\":\"info\"}\n",
    );
    let (code, out, err) = run(&["parse", &f, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["grammar"], "jsonl");
}

#[test]
fn thin_traffic_never_opens_a_window_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    // Every request fails, but 10 a minute is below the 20 the rule needs.
    write(dir.path(), "access.log", &clf(10, 10, 10));
    let (code, out, err) = run(&["windows", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["windows"], serde_json::json!([]));
    // The same failures at 30 a minute are a window, to the minute.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "access.log", &clf(10, 30, 30));
    let (_, out, _) = run(&["windows", dir.path().to_str().unwrap(), "--format", "json"]);
    let w = &json(&out)["windows"][0];
    assert_eq!(w["start"], "2019-05-14T09:00:00Z");
    // Still failing at the end of the evidence: open.
    assert!(w["end"].is_null(), "{w}");
}

#[test]
fn a_manifest_rate_rule_out_of_range_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "access.log", &clf(2, 30, 0));
    write(
        dir.path(),
        "bundle.toml",
        "[[source]]\npath = \"access.log\"\nrates = { share = 5 }\n",
    );
    let (code, _, err) = run(&["analyze", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bundle.toml:3:"), "{err}");
    assert!(err.contains("rates: share 5: expected a fraction"), "{err}");
}
