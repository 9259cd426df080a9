//! The Markdown a report is made of, read back by a CommonMark renderer
//! (pulldown-cmark, GFM tables on): what a reader sees must be the text rfo
//! meant, for hostile file names and log messages. A citation is a code
//! span holding the raw text (backslash escapes are not processed there);
//! every other cell is escaped.

mod common;
use common::*;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use rfo::report::escape::{code_span, markdown, Place};

/// Text that breaks naive Markdown: emphasis, code, tables, links, HTML,
/// entities, line breaks, escapes.
const HOSTILE: &[&str] = &[
    "alertmonitor_alerts2.json:24",
    "a_b_c.log:7",
    "a`b",
    "``x``",
    "`lead",
    "trail`",
    "p|ipe | more",
    "*star* **bold** _under_",
    "[link](http://x) ![img](y)",
    "<b>tag</b> <http://auto>",
    "line\nbreak\r\nthere",
    "back\\slash \\_ \\` \\|",
    "&amp; &lt; &#42;",
    "# not a heading",
    " spaced ",
    "~~strike~~ {brace}",
];

/// What a reader sees of one block: text and code, a soft break as a space;
/// raw HTML is marked so that it can never pass for text.
fn seen<'a>(events: impl Iterator<Item = Event<'a>>) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(&t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            Event::InlineHtml(h) | Event::Html(h) => s.push_str(&format!("[html {h}]")),
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Link { .. } | Tag::Image { .. }) => {
                s.push_str("[markup]")
            }
            _ => {}
        }
    }
    s
}

/// The cells of every table row in `md`, in order (header row included).
fn table_rows(md: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut cell: Option<Vec<Event>> = None;
    for e in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match e {
            Event::Start(Tag::TableCell) => cell = Some(Vec::new()),
            Event::End(TagEnd::TableCell) => {
                row.push(seen(cell.take().unwrap_or_default().into_iter()));
            }
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => rows.push(std::mem::take(&mut row)),
            e => {
                if let Some(c) = cell.as_mut() {
                    c.push(e);
                }
            }
        }
    }
    rows
}

/// The text of every paragraph in `md`.
fn paragraphs(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<Vec<Event>> = None;
    for e in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match e {
            Event::Start(Tag::Paragraph) => cur = Some(Vec::new()),
            Event::End(TagEnd::Paragraph) => {
                out.push(seen(cur.take().unwrap_or_default().into_iter()))
            }
            e => {
                if let Some(c) = cur.as_mut() {
                    c.push(e);
                }
            }
        }
    }
    out
}

/// What the report means to show: the text with line breaks folded.
fn intended(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[test]
fn code_spans_and_escaped_text_render_as_the_raw_text_in_prose() {
    for s in HOSTILE {
        let md = format!(
            "Cited {} and said {} here.",
            code_span(s, Place::Text),
            markdown(s)
        );
        let want = format!("Cited {} and said {} here.", intended(s), intended(s));
        assert_eq!(paragraphs(&md), vec![want], "{s:?} as {md:?}");
    }
}

#[test]
fn code_spans_and_escaped_text_render_as_the_raw_text_in_table_cells() {
    for s in HOSTILE {
        let md = format!(
            "| a | b |\n|---|---|\n| {} | {} |\n",
            code_span(s, Place::TableCell),
            markdown(s)
        );
        let rows = table_rows(&md);
        assert_eq!(rows.len(), 2, "{s:?} as {md:?}");
        // A cell's own leading and trailing blanks are trimmed by the table;
        // inside a code span they are kept.
        let cell = intended(s).trim().to_string();
        assert_eq!(rows[1], vec![intended(s), cell], "{s:?} as {md:?}");
    }
}

/// A bundle whose file names and messages are hostile, rendered through the
/// default template: every timeline cell, every citation and the trigger
/// read back as the analysis JSON says.
#[test]
fn the_default_report_renders_hostile_names_and_messages_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path();
    let nagios = "mon_`a`|b*c*[d]<e>.log";
    std::fs::write(
        b.join(nagios),
        "[1487822212] SERVICE ALERT: portal;HTTP_*x*;CRITICAL;HARD;3;CRITICAL - `tick` | [a](b) <b>_u_</b> &amp;\n\
         [1487823802] SERVICE ALERT: portal;HTTP_*x*;OK;HARD;1;HTTP OK - back\\slash\n",
    )
    .unwrap();
    std::fs::write(
        b.join("deploy_``x``.log"),
        "2017-02-23T03:50:00Z deploying app_`v1` *now* | [x](y) <b> &lt;\n",
    )
    .unwrap();
    let body = "Down_now: `a`|b *c* [d](e) <f>\nsecond line";
    let page = serde_json::json!({"incidents": [{
        "name": "Portal", "status": "resolved",
        "created_at": "2017-02-23T04:00:00Z", "resolved_at": "2017-02-23T04:20:00Z",
        "incident_updates": [
            {"status": "investigating", "body": body, "created_at": "2017-02-23T04:00:00Z"},
        ]
    }]});
    std::fs::write(b.join("status\npage_1.json"), page.to_string()).unwrap();
    let bundle = b.to_str().unwrap();
    let args = [
        "analyze",
        bundle,
        "--zone",
        "UTC",
        "--report-zone",
        "America/Chicago",
    ];
    let (code, md, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let (code, js, err) = run(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(code, 0, "{err}");
    let a = json(&js);
    let w = &a["windows"][0];
    let cite =
        |e: &serde_json::Value| intended(&format!("{}:{}", e["file"].as_str().unwrap(), e["line"]));
    let rows = table_rows(&md);
    let timeline: Vec<&Vec<String>> = rows.iter().filter(|r| r.len() == 5).skip(1).collect();
    let want = w["timeline"].as_array().unwrap();
    assert!(want.len() >= 4, "{js}");
    assert_eq!(timeline.len(), want.len(), "{md}");
    for (got, row) in timeline.iter().zip(want) {
        assert_eq!(got[3], intended(row["summary"].as_str().unwrap()), "{md}");
        assert_eq!(got[4], cite(&row["evidence"]), "{md}");
    }
    assert!(want
        .iter()
        .any(|r| cite(&r["evidence"]).starts_with("mon_`a`|b*c*[d]<e>.log:")));
    assert!(want
        .iter()
        .any(|r| cite(&r["evidence"]).starts_with("status page_1.json:")));
    let trigger = &w["trigger"];
    let paras = paragraphs(&md);
    let said = format!(
        "the logs show: {} ({}).",
        intended(trigger["summary"].as_str().unwrap()),
        cite(&trigger["evidence"])
    );
    let p = paras.iter().find(|p| p.contains(&said));
    let p = p.unwrap_or_else(|| panic!("{said}\n{}", paras.join("\n")));
    assert!(!p.contains("[markup]") && !p.contains("[html"), "{p}");
}

/// `analyze` hands the template only the selected window when the template
/// reaches no other (the built-in ones): the output must be what the whole
/// analysis renders to, on bundles with several windows.
#[test]
fn selected_window_context_renders_as_the_whole_analysis() {
    for name in ["two-windows-2019", "flapping-beside-outage-2019"] {
        let bundle = fixture(name);
        let b = bundle.to_str().unwrap();
        let (code, out, err) = run(&["analyze", b, "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        let value = json(&out);
        assert!(value["windows"].as_array().unwrap().len() >= 2, "{name}");
        for (format, src, flag) in [
            (
                rfo::report::Format::Markdown,
                rfo::report::DEFAULT_MARKDOWN,
                "md",
            ),
            (rfo::report::Format::Html, rfo::report::DEFAULT_HTML, "html"),
        ] {
            let whole = rfo::report::render_json(&value, src, "default", format).unwrap();
            let (code, shown, err) = run(&["analyze", b, "--format", flag]);
            assert_eq!(code, 0, "{err}");
            assert_eq!(shown, whole, "{name} {flag}");
        }
    }
}

/// A template that walks `windows` itself sees every window, not nulls.
#[test]
fn a_template_listing_windows_sees_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("all.md.hbs");
    std::fs::write(
        &t,
        "{{#each windows}}[{{id}} {{start}} {{#each timeline}}.{{/each}}]{{/each}}\n",
    )
    .unwrap();
    let bundle = fixture("two-windows-2019");
    let (code, out, err) = run(&[
        "analyze",
        bundle.to_str().unwrap(),
        "--template",
        t.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, j, _) = run(&["analyze", bundle.to_str().unwrap(), "--format", "json"]);
    let windows = json(&j)["windows"].as_array().unwrap().clone();
    let want: String = windows
        .iter()
        .map(|w| {
            format!(
                "[{} {} {}]",
                w["id"],
                w["start"].as_str().unwrap(),
                ".".repeat(w["timeline"].as_array().unwrap().len())
            )
        })
        .collect();
    assert_eq!(out.trim_end(), want);
}
