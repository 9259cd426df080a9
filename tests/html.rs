//! The HTML report: at parity with the Markdown report (every evidence
//! citation and every number the Markdown states is in the HTML's text,
//! outside the chart), its timeline chart snapshotted and checked for
//! lanes, ticks and legend, and a screenshot in headless Chromium where
//! one is installed.

mod common;
use common::*;
use rfo::report::{self, chart, Format};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

fn analysis(fixture_name: &str) -> Value {
    let p = fixture(fixture_name).join("expected/analysis.json");
    json(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

fn render(a: &Value, format: Format) -> String {
    let (t, name) = match format {
        Format::Markdown => (report::DEFAULT_MARKDOWN, "rfo.md.hbs"),
        Format::Html => (report::DEFAULT_HTML, "rfo.html.hbs"),
    };
    report::render_json(a, t, name, format).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The text a reader sees, minus the chart: styles, the SVG and tags
/// removed, entities decoded.
fn html_text(html: &str) -> String {
    let mut s = html.to_string();
    for (open, close) in [("<style", "</style>"), ("<svg", "</svg>")] {
        while let Some(a) = s.find(open) {
            let b = s[a..].find(close).map(|b| a + b + close.len()).unwrap();
            s.replace_range(a..b, " ");
        }
    }
    let tags = regex::Regex::new(r"<[^>]*>").unwrap();
    let s = tags.replace_all(&s, " ");
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Markdown with its backslash escapes undone (`api\_back` → `api_back`).
fn md_text(md: &str) -> String {
    regex::Regex::new(r"\\([\\`*_\[\]<>#|~!{}])")
        .unwrap()
        .replace_all(md, "$1")
        .into_owned()
}

fn numbers(s: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for m in regex::Regex::new(r"\d+(?:\.\d+)?").unwrap().find_iter(s) {
        *out.entry(m.as_str().to_string()).or_insert(0) += 1;
    }
    out
}

fn citations(md: &str) -> Vec<String> {
    regex::Regex::new(r"`([^`\s]+:\d+)`")
        .unwrap()
        .captures_iter(md)
        .map(|c| c[1].to_string())
        .collect()
}

/// Every citation of the Markdown report is in the HTML as often, and
/// every number as often (the HTML may say more, never less).
fn assert_parity(case: &str, a: &Value) {
    let md = md_text(&render(a, Format::Markdown));
    let html = html_text(&render(a, Format::Html));
    let mut missing = Vec::new();
    for c in citations(&md) {
        let want = md.matches(&format!("`{c}`")).count();
        let have = html.matches(&c).count();
        if have < want {
            missing.push(format!("citation {c}: {want} in Markdown, {have} in HTML"));
        }
    }
    let in_html = numbers(&html);
    for (n, want) in numbers(&md) {
        let have = in_html.get(&n).copied().unwrap_or(0);
        if have < want {
            missing.push(format!("number {n}: {want} in Markdown, {have} in HTML"));
        }
    }
    assert!(
        missing.is_empty(),
        "{case}: the HTML report says less than the Markdown:\n{}",
        missing.join("\n")
    );
}

fn fixtures() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected/analysis.json").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn html_states_every_citation_and_number_of_the_markdown_for_every_fixture() {
    let all = fixtures();
    assert!(all.len() >= 19, "fixtures: {all:?}");
    for case in all {
        assert_parity(&case, &analysis(&case));
    }
}

/// The founding analysis with the fields another change adds: commands
/// leading up to the trigger, and rows other sources also cite.
fn with_commands_and_also() -> Value {
    let mut a = analysis("servercentral-2017-02-22");
    let w = &mut a["windows"][0];
    w["trigger"]["commands"] = json!([
        {"at": "2017-02-23T03:55:40Z", "summary": "netadmin entered: interface Port-channel1",
         "evidence": {"file": "core-switch.log", "line": 8}},
        {"at": "2017-02-23T03:55:51Z", "summary": "netadmin entered: switchport trunk allowed vlan remove 120 <b>",
         "evidence": {"file": "core-switch.log", "line": 9}}
    ]);
    let rows = w["timeline"].as_array_mut().unwrap();
    let row = rows
        .iter_mut()
        .find(|r| r["evidence"]["file"] == "statuspage-export.txt")
        .unwrap();
    row["also"] = json!([{"file": "statuspage-incident.json", "line": 47}]);
    a
}

#[test]
fn html_renders_trigger_commands_and_also_citations_when_present() {
    let a = with_commands_and_also();
    assert_parity("servercentral with commands and also", &a);
    let html = render(&a, Format::Html);
    let list = &html[html
        .find("<ul class=\"commands\">")
        .expect("a command list")..];
    let list = &list[..list.find("</ul>").unwrap()];
    assert_eq!(list.matches("<li>").count(), 2, "{list}");
    assert!(list.contains("21:55:40 CST"), "{list}");
    assert!(list.contains("<code>core-switch.log:8</code>"), "{list}");
    assert!(
        list.contains("remove 120 &lt;b&gt;"),
        "log text is escaped: {list}"
    );
    let row = html
        .lines()
        .find(|l| l.starts_with("<tr>") && l.contains("<code>statuspage-export.txt:20</code>"))
        .unwrap();
    assert!(
        row.contains("<code>statuspage-incident.json:47</code>"),
        "the other source is cited in the same row: {row}"
    );
}

#[test]
fn html_without_the_new_fields_renders_as_before() {
    let mut a = analysis("servercentral-2017-02-22");
    for w in a["windows"].as_array_mut().unwrap() {
        if let Some(t) = w["trigger"].as_object_mut() {
            t.remove("commands");
            t.remove("commands_more");
        }
    }
    let html = render(&a, Format::Html);
    assert!(!html.contains("class=\"commands\""));
}

#[test]
fn html_has_summary_sources_print_css_and_local_discrepancies() {
    let html = render(&analysis("servercentral-2017-02-22"), Format::Html);
    for want in [
        "<h2>Summary</h2>",
        "<h2>Appendix: sources</h2>",
        "@media print",
        "status page opened the incident at 2017-02-22 22:10:00 CST (2017-02-23 04:10:00 UTC)",
        "2017-02-22 21:56:10.455 CST (2017-02-23 03:56:10.455 UTC)",
        "— <code>statuspage-export.txt:14</code></li>",
    ] {
        assert!(html.contains(want), "missing {want:?}");
    }
}

/// A small window with every kind of lane and marker, fixed by hand.
fn small_window() -> Value {
    json!({
        "id": 3, "grade": "outage",
        "start": "2019-03-10T07:58:00Z", "end": "2019-03-10T08:40:00Z",
        "subjects": ["web1/HTTP", "web1 eth0", "db<1>/SQL"],
        "flapping": ["db<1>/SQL"],
        "trigger": {"at": "2019-03-10T07:55:00Z", "summary": "deploy", "evidence": {"file": "deploy.log", "line": 4}},
        "detected_at": "2019-03-10T08:01:00Z",
        "first_public_update_at": "2019-03-10T08:15:00Z",
        "public_resolved_at": "2019-03-10T08:50:00Z",
        "background": [{"subject": "mon1/Disk", "state": "down", "since": "2019-03-09T22:00:00Z",
            "evidence": {"file": "nagios.log", "line": 1}, "recovered_at": null, "recovered_evidence": null}],
        "degraded": [{"subject": "web1/Load", "since": "2019-03-10T08:05:00Z", "until": "2019-03-10T08:20:00Z",
            "evidence": {"file": "nagios.log", "line": 9}}],
        "unknown": [
            {"reason": "check failed", "subject": "web1/HTTP", "from": "2019-03-10T08:10:00Z", "to": "2019-03-10T08:20:00Z",
             "source": "nagios.log", "evidence": {"file": "nagios.log", "line": 12}, "until_evidence": {"file": "nagios.log", "line": 14}},
            {"reason": "the monitor was stopped", "subject": null, "from": "2019-03-10T08:25:00Z", "to": "2019-03-10T08:30:00Z",
             "source": "nagios.log", "evidence": {"file": "nagios.log", "line": 20}, "until_evidence": {"file": "nagios.log", "line": 21}}
        ],
        "evidence": {"start": {"file": "sys.log", "line": 2}, "end": {"file": "nagios.log", "line": 30},
            "detected": {"file": "nagios.log", "line": 5}, "first_public_update": null, "public_resolved": null},
        "timeline": [
            {"at": "2019-03-10T07:55:00Z", "kind": "change", "subject": "web1", "summary": "deploy", "evidence": {"file": "deploy.log", "line": 4}},
            {"at": "2019-03-10T07:58:00Z", "kind": "fault", "subject": "web1 eth0", "summary": "down", "evidence": {"file": "sys.log", "line": 2}},
            {"at": "2019-03-10T08:00:00Z", "kind": "fault", "subject": "web1/HTTP", "summary": "CRITICAL", "evidence": {"file": "nagios.log", "line": 4}},
            {"at": "2019-03-10T08:01:00Z", "kind": "detection", "subject": "web1/HTTP", "summary": "notified", "evidence": {"file": "nagios.log", "line": 5}},
            {"at": "2019-03-10T08:02:00Z", "kind": "fault", "subject": "db<1>/SQL", "summary": "CRITICAL", "evidence": {"file": "nagios.log", "line": 6}},
            {"at": "2019-03-10T08:06:00Z", "kind": "recovery", "subject": "db<1>/SQL", "summary": "OK", "evidence": {"file": "nagios.log", "line": 7}},
            {"at": "2019-03-10T08:30:00Z", "kind": "recovery", "subject": "web1 eth0", "summary": "up", "evidence": {"file": "sys.log", "line": 9}},
            {"at": "2019-03-10T08:40:00Z", "kind": "recovery", "subject": "web1/HTTP", "summary": "OK", "evidence": {"file": "nagios.log", "line": 30}}
        ]
    })
}

fn svg_small() -> String {
    chart::svg(&small_window(), "America/Chicago".parse().unwrap())
}

#[test]
fn chart_of_a_small_window_matches_its_snapshot() {
    let got = svg_small();
    let path = root().join("tests/snapshots/chart-small.svg");
    if std::env::var("RFO_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (RFO_BLESS=1 cargo test --test html writes it)",
            path.display()
        )
    });
    if got != want {
        let diff = similar::TextDiff::from_lines(&want, &got)
            .unified_diff()
            .header("expected", "got")
            .to_string();
        panic!("the chart changed (review, then RFO_BLESS=1 cargo test --test html):\n{diff}");
    }
}

fn texts(svg: &str, class: &str) -> Vec<String> {
    let re = regex::Regex::new(&format!(r#"(?s)<g class="{class}">(.*?)</g>"#)).unwrap();
    let t = regex::Regex::new(r"<text[^>]*>(.*?)</text>").unwrap();
    let tags = regex::Regex::new(r"<[^>]*>").unwrap();
    re.captures_iter(svg)
        .flat_map(|g| {
            t.captures_iter(&g[1])
                .map(|c| tags.replace_all(&c[1], "").into_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn chart_has_lanes_by_host_markers_ticks_in_the_report_zone_and_a_legend() {
    let svg = svg_small();
    // 2019-03-10 is the US spring-forward day: 07:58Z is 01:58 CST, 08:00Z is 03:00 CDT.
    assert!(svg.contains(
        "Window 3: March 10, 2019, 01:58:00 CST – 03:40:00 CDT (42 min) · 3 subjects on 2 hosts (and 1 background, 1 degraded) · times in America/Chicago (CST UTC-06:00, then CDT UTC-05:00)"
    ));
    let hosts = texts(&svg, "host");
    assert_eq!(hosts, ["web1", "db&lt;1&gt;", "nagios.log", "mon1", "web1"]);
    let lanes = texts(&svg, "lane");
    assert_eq!(
        lanes,
        [
            "eth0",
            "HTTP",
            "SQL (flapping)",
            "monitor stopped or silent",
            "Disk (background, since Mar 9 16:00:00)",
            "Load (degraded)",
        ]
    );
    assert_eq!(
        svg.matches("fill=\"url(#rfo-hatch)\"").count(),
        3,
        "two unknown spans + legend"
    );
    let marks = texts(&svg, "marker");
    assert_eq!(
        marks,
        [
            "trigger (candidate) 01:55:00",
            "detected 03:01:00",
            "first public update 03:15:00",
            "restored 03:40:00",
            "public resolved 03:50:00",
        ]
    );
    let axis = texts(&svg, "axis");
    assert_eq!(
        axis,
        [
            "03:00",
            "Mar 10 CDT",
            "03:10",
            "03:20",
            "03:30",
            "03:40",
            "03:50"
        ]
    );
    let legend = texts(&svg, "legend");
    assert_eq!(
        legend,
        [
            "down",
            "unknown (monitor stopped or check failed)",
            "background: down before the window",
            "degraded (e.g. WARNING)",
            "outage window",
            "trigger (candidate)",
            "detected",
            "first public update",
            "public resolved",
            "restored",
        ]
    );
    assert!(!svg.contains("db<1>"), "subject text is escaped");
}

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(str::to_string)
}

fn png_size(p: &Path) -> (u32, u32) {
    let b = std::fs::read(p).unwrap();
    assert_eq!(&b[1..4], b"PNG", "{} is not a PNG", p.display());
    let be = |k: usize| u32::from_be_bytes([b[k], b[k + 1], b[k + 2], b[k + 3]]);
    (be(16), be(20))
}

/// docs/report.md's screenshot command, on the founding fixture's report.
/// Where Chromium is not installed it says SKIP (the chart is still
/// snapshotted above); `RFO_SCREENSHOT_DIR` keeps the PNG for review.
#[test]
fn founding_report_screenshot_in_headless_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("SKIP: no chromium on PATH (apt-get install chromium to take the screenshot)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = std::env::var("RFO_SCREENSHOT_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().to_path_buf());
    std::fs::create_dir_all(&out).unwrap();
    let html = out.join("founding.html");
    let (code, _, err) = run(&[
        "analyze",
        fixture("servercentral-2017-02-22").to_str().unwrap(),
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let png = out.join("founding.png");
    let status = std::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", dir.path().join("profile").display()),
            &format!("--screenshot={}", png.display()),
            "--window-size=1400,2400",
        ])
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs");
    assert!(
        png.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert_eq!(png_size(&png), (1400, 2400));
}

/// Issue 15: the chart shows an access log's 5xx share per bucket under
/// the lanes, as a step line between a 0 and a 100% rule.
#[test]
fn the_chart_draws_the_error_rate_curve_of_an_access_log() {
    let a = analysis("access-deploy-spike-2019");
    let html = render(&a, Format::Html);
    let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
    let rate = &svg[svg.find("<g class=\"rate\">").expect("a rate band")..];
    assert!(rate.contains(">5xx share</text>"), "{rate}");
    assert!(rate.contains(">shop-edge</text>"), "{rate}");
    let d = &rate[rate.find(" d=\"").unwrap() + 4..];
    let d = &d[..d.find('"').unwrap()];
    // One horizontal step per bucket on the axis: 17 bad minutes and the
    // healthy ones before them (the axis starts just before the deploy).
    let steps = d.matches('M').count() + d.matches('L').count();
    assert!(steps >= 2 * 20, "{steps}: {d}");
    // The 40% buckets sit at 40% of the band's height above its base.
    let ys: Vec<f64> = d
        .split(['M', 'L'])
        .filter(|p| !p.is_empty())
        .map(|p| p.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    let (lo, hi) = ys
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &y| (a.min(y), b.max(y)));
    assert!(hi > lo, "the curve rises: {d}");
}
