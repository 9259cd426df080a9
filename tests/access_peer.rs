//! Access logs read as filebeat reads them: its expected parses of its own
//! test vectors (`../shared/corpora/access/*-expected.json`, Apache-2.0) are
//! a peer test suite. For every entry, every field rfo represents must come
//! out the same: the UTC instant, method, URL, HTTP version, status, bytes,
//! and for HAProxy the frontend, backend, server and total time. Fields
//! rfo does not model (user-agent parsing, GeoIP, the address filebeat
//! picks out of an X-Forwarded-For list) are not compared; rfo keeps the
//! client text whole.

mod common;

use common::{json, run};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The records of `rfo parse FILE --format json`, by line.
fn records(file: &Path, extra: &[&str]) -> BTreeMap<u64, Value> {
    let mut args = vec!["parse", file.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let j = json(&out);
    assert_eq!(j["unparsed"], 0, "{out}");
    j["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r.clone()))
        .collect()
}

/// filebeat's `log.offset` (a byte offset) as a 1-based line number.
fn line_of(text: &str, offset: u64) -> u64 {
    1 + text.as_bytes()[..offset as usize]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}

fn expected(corpora: &Path, name: &str) -> (String, Vec<Value>) {
    let dir = corpora.join("access");
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let exp: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("{name}-expected.json"))).unwrap(),
    )
    .unwrap();
    assert!(!exp.is_empty());
    (text, exp)
}

fn field<'a>(r: &'a Value, name: &str) -> Option<&'a str> {
    r["fields"][name].as_str()
}

/// A number filebeat wrote, as the text rfo keeps.
fn num(v: &Value) -> Option<String> {
    v.as_u64().map(|n| n.to_string())
}

fn clf_case(name: &str) {
    let corpora = corpora!();
    let (text, exp) = expected(&corpora, name);
    let recs = records(&corpora.join("access").join(name), &[]);
    for e in &exp {
        let line = line_of(&text, e["log.offset"].as_u64().unwrap());
        let r = &recs[&line];
        let at = format!("{name}:{line}");
        assert_eq!(
            r["instant"].as_str().map(|s| s.replace('Z', ".000Z")),
            e["@timestamp"].as_str().map(str::to_string),
            "{at}"
        );
        assert_eq!(
            field(r, "status").map(str::to_string),
            num(&e["http.response.status_code"]),
            "{at}"
        );
        assert_eq!(
            field(r, "method"),
            e["http.request.method"].as_str(),
            "{at}"
        );
        assert_eq!(field(r, "url"), e["url.original"].as_str(), "{at}");
        assert_eq!(
            field(r, "protocol").and_then(|p| p.strip_prefix("HTTP/")),
            e["http.version"].as_str(),
            "{at}"
        );
        // `-` bytes: filebeat writes no bytes (or 0 where the line says 0).
        let bytes = field(r, "bytes").filter(|b| *b != "-").map(str::to_string);
        assert_eq!(bytes, num(&e["http.response.body.bytes"]), "{at}");
    }
}

#[test]
fn nginx_access_reads_as_filebeat_reads_it() {
    clf_case("filebeat_nginx_access_test.log");
}

#[test]
fn apache_access_reads_as_filebeat_reads_it() {
    clf_case("filebeat_apache_access_test.log");
}

#[test]
fn haproxy_http_reads_as_filebeat_reads_it() {
    let corpora = corpora!();
    let name = "filebeat_haproxy.log";
    let (text, exp) = expected(&corpora, name);
    // filebeat's harness read the year-less headers at -02:00 in 2021; the
    // accept dates are what rfo takes as the time.
    let recs = records(
        &corpora.join("access").join(name),
        &["--zone", "UTC", "--year", "2021"],
    );
    assert_eq!(exp.len(), 10);
    for e in &exp {
        let line = line_of(&text, e["log.offset"].as_u64().unwrap());
        let r = &recs[&line];
        let at = format!("{name}:{line}");
        assert_eq!(
            field(r, "frontend"),
            e["haproxy.frontend_name"].as_str(),
            "{at}"
        );
        assert_eq!(
            field(r, "backend"),
            e["haproxy.backend_name"].as_str(),
            "{at}"
        );
        assert_eq!(
            field(r, "server"),
            e["haproxy.server_name"].as_str(),
            "{at}"
        );
        assert_eq!(
            field(r, "status").map(str::to_string),
            num(&e["http.response.status_code"]),
            "{at}"
        );
        assert_eq!(
            field(r, "bytes").map(str::to_string),
            num(&e["http.response.bytes"]),
            "{at}"
        );
        assert_eq!(
            field(r, "method"),
            e["http.request.method"].as_str(),
            "{at}"
        );
        assert_eq!(field(r, "url"), e["url.original"].as_str(), "{at}");
        assert_eq!(field(r, "http_version"), e["http.version"].as_str(), "{at}");
        // event.duration is Tt in nanoseconds.
        let tt: u64 = field(r, "tt").unwrap().parse().unwrap();
        assert_eq!(Some(tt * 1_000_000), e["event.duration"].as_u64(), "{at}");
    }
}

#[test]
fn every_real_access_log_is_detected_and_fully_parsed() {
    let corpora = corpora!();
    let dir = corpora.join("access");
    for (file, grammar, lines) in [
        ("elastic-examples_apache_logs", "access-clf", 10_000),
        ("lnav_logfile_shop_access_log.0", "access-clf", 1_000),
        ("lnav_logfile_haproxy.0", "haproxy-http", 17),
        ("lnav_logfile_caddy_log.1", "access-json", 4),
    ] {
        let (code, out, err) = run(&[
            "parse",
            dir.join(file).to_str().unwrap(),
            "--format",
            "json",
            "--year",
            "2019",
            "--zone",
            "UTC",
        ]);
        assert_eq!(code, 0, "{file}: {err}");
        let j = json(&out);
        assert_eq!(j["grammar"], grammar, "{file}");
        assert_eq!(j["lines"], lines, "{file}");
        assert_eq!(j["unparsed"], 0, "{file}");
    }
}

#[test]
fn the_shop_log_has_lnavs_status_classes() {
    // lnav's report-access-log over the same file: 938 2xx, 38 3xx, 24 4xx.
    let corpora = corpora!();
    let recs = records(
        &corpora
            .join("access")
            .join("lnav_logfile_shop_access_log.0"),
        &[],
    );
    let mut classes = BTreeMap::new();
    for r in recs.values() {
        let s = field(r, "status").unwrap();
        *classes.entry(&s[..1]).or_insert(0) += 1;
        // +0330 (Iran): every instant is 03:30 before the written time.
        assert!(r["instant"].as_str().unwrap().starts_with("2019-01-22T00:"));
    }
    assert_eq!(classes, BTreeMap::from([("2", 938), ("3", 38), ("4", 24)]));
}

/// PROVENANCE.md: no real access log in the corpora has a 5xx burst (the
/// apache log's three 500s are isolated). The rate rule must open no
/// window on any of them.
#[test]
fn real_access_logs_without_a_burst_open_no_window() {
    let corpora = corpora!();
    for file in [
        "elastic-examples_apache_logs",
        "lnav_logfile_shop_access_log.0",
        "lnav_logfile_haproxy.0",
        "lnav_logfile_caddy_log.1",
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(corpora.join("access").join(file), dir.path().join(file)).unwrap();
        let (code, out, err) = run(&[
            "windows",
            dir.path().to_str().unwrap(),
            "--format",
            "json",
            "--year",
            "2019",
            "--zone",
            "UTC",
        ]);
        assert_eq!(code, 0, "{file}: {err}");
        assert_eq!(json(&out)["windows"], serde_json::json!([]), "{file}");
    }
}
