//! `rfo lint`: the published RFO of the founding incident and its variants,
//! and rfo's own drafts.

mod common;
use common::*;

const CASE: &str = "servercentral-2017-02-22";

fn published() -> String {
    std::fs::read_to_string(fixture(CASE).join("published-rfo.md")).unwrap()
}

/// Lint `text` against the founding bundle; (exit code, JSON findings).
fn lint(text: &str, extra: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let (code, r) = lint_at(text, &fixture(CASE), extra);
    (code, r["findings"].as_array().unwrap().clone())
}

fn codes(f: &[serde_json::Value]) -> Vec<String> {
    f.iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn published_rfo_cdt_is_invalid_and_the_logs_support_cst() {
    let (code, f) = lint(&published(), &[]);
    assert_eq!(code, 1);
    assert!(
        codes(&f).iter().all(|c| c == "zone-label-invalid"),
        "{f:#?}"
    );
    assert_eq!(f.len(), 5, "start, end and three times in the text: {f:#?}");
    let start = &f[0];
    assert_eq!(start["report_line"], 4);
    assert_eq!(start["text"], "21:56 CDT");
    let m = start["message"].as_str().unwrap();
    assert!(
        m.contains("CDT is not in force in America/Chicago on 2017-02-22: CST (UTC-06:00) was"),
        "{m}"
    );
    assert!(
        m.contains("read as CDT (UTC-05:00): 02:56:00 UTC; read as CST: 03:56:00 UTC"),
        "{m}"
    );
    assert!(m.contains("the logs support the CST reading"), "{m}");
    assert_eq!(start["evidence"]["file"], "core-switch.log");
    assert_eq!(start["suggestion"], "21:56 CST");
    let end = &f[1];
    assert_eq!(end["report_line"], 5);
    assert!(end["message"]
        .as_str()
        .unwrap()
        .contains("read as CDT (UTC-05:00): 03:23:00 UTC; read as CST: 04:23:00 UTC"));
    // Free text: "Changes were committed at 22:22 CDT" cites the commit line.
    let commit = f.iter().find(|x| x["text"] == "22:22 CDT").unwrap();
    assert_eq!(commit["evidence"]["file"], "core-switch.log");
    let line = commit["evidence"]["line"].as_u64().unwrap() as usize;
    let log = std::fs::read_to_string(fixture(CASE).join("core-switch.log")).unwrap();
    assert!(log
        .lines()
        .nth(line - 1)
        .unwrap()
        .contains("%SYS-5-CONFIG_I"));
}

#[test]
fn text_output_groups_by_report_line_and_quotes() {
    let bundle = fixture(CASE);
    let report = fixture(CASE).join("published-rfo.md");
    let (code, out, _) = run(&[
        "lint",
        report.to_str().unwrap(),
        "--bundle",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains(
            "published-rfo.md:4:\n  error[zone-label-invalid] \"21:56 CDT\": CDT is not in force"
        ),
        "{out}"
    );
    assert!(
        out.contains("    evidence: core-switch.log:11\n    suggestion: 21:56 CST\n"),
        "{out}"
    );
    assert!(
        out.contains("published-rfo.md: 5 errors, 0 warnings (tz database "),
        "{out}"
    );
}

#[test]
fn the_same_report_with_cst_is_clean() {
    let (code, f) = lint(&published().replace("CDT", "CST"), &[]);
    assert_eq!((code, f.len()), (0, 0), "{f:#?}");
}

#[test]
fn a_wrong_duration_is_reported_against_start_end_and_evidence() {
    let text = published()
        .replace("CDT", "CST")
        .replace("**Duration:** 27 minutes", "**Duration:** 17 minutes");
    let (code, f) = lint(&text, &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&f), vec!["duration-mismatch", "duration-mismatch"]);
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("Duration says 17 min but Event End − Event Start is 27 min"));
    assert!(f[1]["message"]
        .as_str()
        .unwrap()
        .contains("the evidence window 1 lasted 27 min 11 s"));
    assert_eq!(f[1]["report_line"], 6);
}

#[test]
fn placeholders_are_reported() {
    let text = published().replace("CDT", "CST");
    let at = text.find("It is now and has always been").unwrap();
    let text = format!(
        "{}[TO BE WRITTEN: resolution and corrective actions]\n",
        &text[..at]
    );
    let (code, f) = lint(&text, &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&f), vec!["placeholder-unresolved"]);
    let (_, f) = lint(
        &text.replace("[TO BE WRITTEN: resolution and corrective actions]", "TBD"),
        &[],
    );
    assert_eq!(codes(&f), vec!["placeholder-unresolved"]);
}

#[test]
fn missing_field_wrong_date_and_wrong_start() {
    let text = published()
        .replace("CDT", "CST")
        .replace(
            "**Root Cause:** Incorrect configuration deployment to switch\n",
            "",
        )
        .replace(
            "**Date of Event:** February 22, 2017",
            "**Date of Event:** February 20, 2017",
        );
    let (_, f) = lint(&text, &[]);
    assert!(codes(&f).contains(&"field-missing".to_string()), "{f:#?}");
    let d = f
        .iter()
        .find(|x| x["code"] == "date-mismatch")
        .expect("date-mismatch");
    assert!(d["message"].as_str().unwrap().contains(
        "neither the local date (2017-02-22, America/Chicago) nor the UTC date (2017-02-23)"
    ));
    let text = published()
        .replace("CDT", "CST")
        .replace("**Event Start:** 21:56 CST", "**Event Start:** 21:36 CST");
    let (code, f) = lint(&text, &[]);
    assert_eq!(code, 1);
    let t = f
        .iter()
        .find(|x| x["code"] == "time-mismatch")
        .expect("time-mismatch");
    assert_eq!(t["report_line"], 4);
    assert!(t["message"].as_str().unwrap().contains("Event Start 21:36 CST reads as 21:36:00 CST (03:36:00 UTC), 20 min 10 s before the evidence at 21:56:10 CST (03:56:10 UTC)"), "{t}");
    assert_eq!(t["suggestion"], "21:56 CST");
}

#[test]
fn tolerance_is_configurable() {
    let (code, f) = lint(&published().replace("CDT", "CST"), &["--tolerance", "5"]);
    assert_eq!(code, 1);
    assert!(codes(&f).contains(&"time-mismatch".to_string()), "{f:#?}");
}

/// rfo's own drafts (both templates) for every fixture lint with only
/// placeholder findings.
#[test]
fn own_drafts_lint_with_only_placeholders() {
    let postmortem = root().join("templates/postmortem.md.hbs");
    for case in rfo::golden::discover(&root().join("fixtures")).unwrap() {
        for template in [None, Some(postmortem.to_str().unwrap())] {
            let mut args = vec!["analyze", case.to_str().unwrap()];
            if let Some(t) = template {
                args.extend(["--template", t]);
            }
            let (code, md, err) = run(&args);
            assert_eq!(code, 0, "{err}");
            let (_, report) = lint_at(&md, &case, &[]);
            let f = report["findings"].as_array().unwrap();
            let other: Vec<_> = f
                .iter()
                .filter(|x| x["code"] != "placeholder-unresolved")
                .collect();
            assert!(
                other.is_empty(),
                "{} {template:?}: {other:#?}",
                case.display()
            );
            assert!(report["coverage"]["times_checked"].as_u64().unwrap() > 0);
        }
    }
}

#[test]
fn missing_report_exits_2() {
    let (code, _, err) = run(&[
        "lint",
        "/nonexistent/rfo.md",
        "--bundle",
        fixture(CASE).to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.starts_with("rfo: /nonexistent/rfo.md: "), "{err}");
}

// ---------------------------------------------------------------------
// The corpus: excerpts of public postmortems (tests/lint/<case>/), each
// with SOURCE.md and a bundle agreeing with the published timeline.
// ---------------------------------------------------------------------

fn corpus() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("tests/lint"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("report.md").exists())
        .collect();
    v.sort();
    assert!(v.len() >= 7, "the corpus has {} cases", v.len());
    v
}

fn errors(report: &serde_json::Value) -> Vec<(u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            (
                f["report_line"].as_u64().unwrap_or(0),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// As published, with no header: no false errors, the published label
/// errors found, and every case read and checked.
#[test]
fn published_postmortems_have_no_false_errors_and_their_label_errors_are_found() {
    for case in corpus() {
        let text = std::fs::read_to_string(case.join("report.md")).unwrap();
        let (code, report) = lint_at(&text, &case, &[]);
        let name = case.file_name().unwrap().to_str().unwrap().to_string();
        let cov = &report["coverage"];
        eprintln!("{name}: {cov}");
        assert_eq!(report["form"], "any", "{name}");
        assert!(cov["times_checked"].as_u64().unwrap() >= 4, "{name}: {cov}");
        let errs = errors(&report);
        if name == "slack-2020-05-12" {
            // "PST" update stamps in May: the page's own label errors.
            let want: Vec<(u64, String)> = [10, 14, 18]
                .iter()
                .map(|l| (*l, "zone-label-invalid".to_string()))
                .collect();
            assert_eq!((code, errs), (1, want), "{name}: {report:#}");
        } else {
            assert_eq!((code, errs), (0, vec![]), "{name}: {report:#}");
        }
    }
}

/// One injected error: the line it is on and the mutated report.
struct Injected {
    what: &'static str,
    line: usize,
    text: String,
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// Every mutation of `text` a reviewer would want caught: time shifts
/// (+1 h), label swaps, AM/PM flips, wrong durations, wrong dates.
fn injections(text: &str) -> Vec<Injected> {
    use regex::Regex;
    let mut out = Vec::new();
    let mut push = |what, at: usize, from: usize, to: usize, with: String| {
        let mut t = text.to_string();
        t.replace_range(from..to, &with);
        out.push(Injected {
            what,
            line: line_of(text, at),
            text: t,
        });
    };
    // Time shift: the hour of a written time, +1.
    let twelve_re = Regex::new(r"^\s?[AaPp]\.?\s?[Mm]").unwrap();
    let time = Regex::new(r"(?m)(?:^|[^\d:/.\-])(\d{1,2}):(\d{2})\b|\b(\d{2})(\d{2}) UTC").unwrap();
    for c in time.captures_iter(text) {
        let (h, m) = match (c.get(1), c.get(3)) {
            (Some(h), _) => (h, c.get(2).unwrap()),
            (_, Some(h)) => (h, c.get(4).unwrap()),
            _ => continue,
        };
        let hour: u32 = h.as_str().parse().unwrap();
        let rest = &text[m.end()..];
        let twelve = twelve_re.is_match(rest);
        let new = if twelve {
            hour % 12 + 1
        } else {
            (hour + 1) % 24
        };
        let with = if h.as_str().len() == 2 {
            format!("{new:02}")
        } else {
            new.to_string()
        };
        push("time shift +1 h", h.start(), h.start(), h.end(), with);
    }
    // AM/PM flip.
    let ampm = Regex::new(r"\d\s?([AaPp])(\.?\s?[Mm])").unwrap();
    for c in ampm.captures_iter(text) {
        let a = c.get(1).unwrap();
        let flipped = match a.as_str() {
            "a" => "p",
            "p" => "a",
            "A" => "P",
            _ => "A",
        };
        push(
            "AM/PM flip",
            a.start(),
            a.start(),
            a.end(),
            flipped.to_string(),
        );
    }
    // Label swap.
    let label = Regex::new(r"\b(PDT|PST|EDT|EST|UTC)\b").unwrap();
    for c in label.captures_iter(text) {
        let l = c.get(1).unwrap();
        let with = match l.as_str() {
            "PDT" => "PST",
            "PST" => "PDT",
            "EDT" => "EST",
            "EST" => "EDT",
            _ => "PST",
        };
        push(
            "label swap",
            l.start(),
            l.start(),
            l.end(),
            with.to_string(),
        );
    }
    // Wrong duration: a stated duration's first number, +10.
    let dur =
        Regex::new(r"(?i)\b(?:for|within|duration of)\s+(?:about\s+)?(\d+)\s+(?:minutes|hours)")
            .unwrap();
    for c in dur.captures_iter(text) {
        let n = c.get(1).unwrap();
        let v: u32 = n.as_str().parse().unwrap();
        push(
            "wrong duration",
            n.start(),
            n.start(),
            n.end(),
            (v + 10).to_string(),
        );
    }
    // Wrong date: the day of a written date, +1 (or -1 at month's end).
    let date = Regex::new(r"\b(?:\d{4} [A-Z][a-z]+ |\d{4}/\d{2}/|[A-Z][a-z]+ |\d{4}-\d{2}-)(\d{1,2})\b(?:st|nd|rd|th)?(?:,? \d{4}| \d{1,2}:\d{2}| 06:| UTC)").unwrap();
    for c in date.captures_iter(text) {
        let d = c.get(1).unwrap();
        let v: u32 = d.as_str().parse().unwrap();
        let new = if v >= 28 { v - 1 } else { v + 1 };
        let with = if d.as_str().len() == 2 {
            format!("{new:02}")
        } else {
            new.to_string()
        };
        push("wrong date", d.start(), d.start(), d.end(), with);
    }
    out
}

/// At least 90% of injected errors are caught as errors on their line.
#[test]
fn injected_errors_are_caught() {
    let (mut total, mut caught) = (0, 0);
    let mut missed = Vec::new();
    for case in corpus() {
        let text = std::fs::read_to_string(case.join("report.md")).unwrap();
        let (_, base) = lint_at(&text, &case, &[]);
        let base = errors(&base);
        let (mut t, mut k) = (0, 0);
        for inj in injections(&text) {
            // A line with a published error is not a correct line to break.
            if base.iter().any(|e| e.0 as usize == inj.line) {
                continue;
            }
            let (_, got) = lint_at(&inj.text, &case, &[]);
            t += 1;
            if errors(&got).len() > base.len() {
                k += 1;
            } else {
                let line = inj.text.lines().nth(inj.line - 1).unwrap_or("").to_string();
                missed.push(format!(
                    "{}: {} at line {}: {line}",
                    case.display(),
                    inj.what,
                    inj.line
                ));
            }
        }
        eprintln!(
            "{}: {k} of {t} injected errors caught",
            case.file_name().unwrap().to_str().unwrap()
        );
        total += t;
        caught += k;
    }
    eprintln!("caught {caught} of {total}; missed:\n{}", missed.join("\n"));
    assert!(total >= 60, "only {total} injections");
    assert!(
        caught * 10 >= total * 9,
        "caught {caught} of {total}:\n{}",
        missed.join("\n")
    );
}

/// Every time form the issue lists, written into a corpus report: read,
/// checked, clean as written, and an error once shifted by an hour.
#[test]
fn every_time_form_is_read_and_checked() {
    let gh = root().join("tests/lint/github-2018-10-21");
    let text = std::fs::read_to_string(gh.join("report.md")).unwrap();
    let at = "2018 October 22 11:12 UTC";
    let forms = [
        ("2018-10-22T11:12:00Z", "2018-10-22T12:12:00Z"),
        ("2018 October 22 11:12Z", "2018 October 22 12:12Z"),
        ("2018 October 22 11:12 (UTC)", "2018 October 22 12:12 (UTC)"),
        ("2018 October 22 04:12 UTC-7", "2018 October 22 05:12 UTC-7"),
        ("2018 October 22 12:12 GMT+1", "2018 October 22 13:12 GMT+1"),
        (
            "2018 October 22 4:12 a.m. PDT",
            "2018 October 22 4:12 p.m. PDT",
        ),
        ("2018 October 22 4:12 AM PT", "2018 October 22 5:12 AM PT"),
        ("2018 October 22 7:12 AM ET", "2018 October 22 8:12 AM ET"),
        (
            "2018 October 22 4:12 am Pacific Time",
            "2018 October 22 4:22 am Pacific Time",
        ),
        (
            "2018 October 22 04:12 US/Pacific",
            "2018 October 22 04:32 US/Pacific",
        ),
        ("2018 October 22 1112 UTC", "2018 October 22 1212 UTC"),
        ("2018 October 22 11:05 UTC", "2018 October 22 11:05 UTC"),
    ];
    for (good, bad) in forms {
        let (code, r) = lint_at(&text.replace(at, good), &gh, &[]);
        if good.ends_with("11:05 UTC") {
            // The issue's next-day case: 7 min early, on the day after.
            assert_eq!(code, 1, "{good}: {r:#}");
            assert_eq!(
                errors(&r),
                vec![(43, "time-mismatch".to_string())],
                "{good}"
            );
            continue;
        }
        assert_eq!((code, errors(&r)), (0, vec![]), "{good}: {r:#}");
        assert_eq!(r["coverage"]["times_checked"], 14, "{good}");
        let (code, r) = lint_at(&text.replace(at, bad), &gh, &[]);
        assert_eq!(code, 1, "{bad}: {r:#}");
        assert_eq!(errors(&r).len(), 1, "{bad}: {r:#}");
    }
    // A list and a table whose zone is stated once: a heading, a column.
    let fastly = root().join("tests/lint/fastly-2021-06-08");
    let text = std::fs::read_to_string(fastly.join("report.md")).unwrap();
    let heading = text.replace(
        "Here's a timeline of the day's activity (all times are in UTC):",
        "## Timeline (UTC)",
    );
    let mut table = String::new();
    for line in text.lines() {
        match line.strip_prefix("- ") {
            Some(row) if row.as_bytes()[2] == b':' => {
                if !table.contains("| Time (PDT) |") {
                    table.push_str("| Time (PDT) | Event |\n|---|---|\n");
                }
                let h: u32 = row[..2].parse().unwrap();
                table.push_str(&format!(
                    "| {:02}{} | {} |\n",
                    (h + 17) % 24,
                    &row[2..5],
                    &row[6..]
                ));
            }
            _ => {
                table.push_str(
                    &line
                        .replace("(all times are in UTC)", "")
                        .replace("at 17:25.", "at 17:25 UTC."),
                );
                table.push('\n');
            }
        }
    }
    for variant in [heading, table] {
        let (code, r) = lint_at(&variant, &fastly, &[]);
        assert_eq!((code, errors(&r)), (0, vec![]), "{variant}\n{r:#}");
        assert!(
            r["coverage"]["times_checked"].as_u64().unwrap() >= 10,
            "{r:#}"
        );
    }
}

/// Both ends of a range are read (`22:52–22:54 UTC`), and a prose date
/// (`on 22 Oct 2018`) and a prose duration (`for 17 minutes`) are checked.
#[test]
fn ranges_prose_dates_and_durations() {
    let gh = root().join("tests/lint/github-2018-10-21");
    let ok = "Monitoring alerted between 22:52–22:54 UTC on 21 Oct 2018. The site was degraded for 24 hours and 11 minutes.\n";
    let (code, r) = lint_at(ok, &gh, &[]);
    assert_eq!((code, errors(&r)), (0, vec![]), "{r:#}");
    assert_eq!(r["coverage"]["times_checked"], 2);
    assert_eq!(r["coverage"]["durations_checked"], 1);
    let bad = "Monitoring alerted between 21:32–22:54 UTC on 21 Oct 2018. The site was degraded for 23 hours and 11 minutes.\n";
    let (code, r) = lint_at(bad, &gh, &[]);
    assert_eq!(code, 1);
    let codes: Vec<String> = errors(&r).into_iter().map(|e| e.1).collect();
    assert_eq!(codes, vec!["time-mismatch", "duration-mismatch"], "{r:#}");
    let bad_date = "On 25 Oct 2018 the site went down.\n";
    let (_, r) = lint_at(bad_date, &gh, &[]);
    assert!(
        r["findings"].as_array().unwrap().is_empty(),
        "far from the evidence: not checked {r:#}"
    );
    let (code, r) = lint_at("On 23 Oct 2018 the site went down.\n", &gh, &[]);
    assert_eq!(code, 1);
    assert_eq!(errors(&r), vec![(1, "date-mismatch".to_string())], "{r:#}");
}

/// Without the header no field is required; `--form rfo` asks for them.
#[test]
fn fields_are_required_only_in_the_rfo_form() {
    let gh = root().join("tests/lint/github-2018-10-21");
    let text = std::fs::read_to_string(gh.join("report.md")).unwrap();
    let (_, r) = lint_at(&text, &gh, &[]);
    assert_eq!(r["form"], "any");
    let (code, r) = lint_at(&text, &gh, &["--form", "rfo"]);
    assert_eq!(code, 1);
    let missing = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "field-missing")
        .count();
    assert_eq!(missing, 8);
}

#[test]
fn binary_and_non_utf8_reports_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = fixture(CASE);
    for (name, bytes) in [
        ("bin.md", &b"\x7fELF\x00\x01"[..]),
        ("latin1.md", &b"21:56 CST \xe9t\xe9"[..]),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let (code, _, err) = run(&[
            "lint",
            p.to_str().unwrap(),
            "--bundle",
            bundle.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.starts_with("rfo: ") && err.contains(name), "{err}");
    }
}

#[test]
fn a_report_with_no_times_says_nothing_could_be_checked() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("empty.md");
    std::fs::write(
        &p,
        "# Postmortem\n\nThe portal was unavailable for a while.\n",
    )
    .unwrap();
    let bundle = fixture(CASE);
    let (code, out, _) = run(&[
        "lint",
        p.to_str().unwrap(),
        "--bundle",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing could be checked"), "{out}");
    let (_, r) = lint_at("# Postmortem\n", &bundle, &[]);
    assert_eq!(r["coverage"]["times_read"], 0);
}

#[test]
fn an_enormous_duration_is_a_finding_not_an_overflow() {
    let text = published().replace("CDT", "CST").replace(
        "**Duration:** 27 minutes",
        "**Duration:** 2562047788015216 hours",
    );
    let (code, f) = lint(&text, &[]);
    assert_eq!(code, 1);
    let d = f
        .iter()
        .find(|x| x["code"] == "duration-mismatch")
        .expect("finding");
    let m = d["message"].as_str().unwrap();
    assert!(m.contains("not a plausible duration"), "{m}");
    assert!(!format!("{f:?}").contains("-2562047788015215"), "{f:#?}");
}
