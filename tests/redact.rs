//! `--redact` and `lint --public` on the founding bundle: the redacted
//! report holds no address, user or internal host; its times, durations
//! and citations are those of the report as drafted; it passes `lint
//! --public`.

mod common;
use common::*;
use regex::Regex;

const CASE: &str = "servercentral-2017-02-22";

/// Every user name the founding logs name.
const USERS: &[&str] = &["backup", "jmiller", "netadmin", "kpatel", "deploy"];
/// Its hosts not on its `[redact] public` list.
const INTERNAL: &[&str] = &["core-sw1", "portal-web01", "db01"];

fn analyze(extra: &[&str]) -> String {
    let bundle = fixture(CASE);
    let mut args = vec!["analyze", bundle.to_str().unwrap()];
    args.extend(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    out
}

/// The text without its citations (evidence file names stay, by design).
fn outside_citations(text: &str) -> String {
    let cite = Regex::new(r"(?:core-switch\.log|nagios\.log|portal-web01/messages|statuspage-export\.txt|statuspage-incident\.json)(?::\d+)?").unwrap();
    cite.replace_all(text, "CITE").into_owned()
}

fn words(text: &str, word: &str) -> usize {
    Regex::new(&format!(
        r"(?i)(^|[^A-Za-z0-9_-]){}($|[^A-Za-z0-9_-])",
        regex::escape(word)
    ))
    .unwrap()
    .find_iter(text)
    .count()
}

fn matches(re: &str, text: &str) -> Vec<String> {
    Regex::new(re)
        .unwrap()
        .find_iter(text)
        .map(|m| m.as_str().to_string())
        .collect()
}

#[test]
fn redacted_founding_report_holds_no_ipv4_user_or_internal_host() {
    for format in ["md", "html", "json"] {
        let out = analyze(&["--redact", "--format", format]);
        let text = outside_citations(&out);
        assert_eq!(
            matches(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", &text),
            Vec::<String>::new(),
            "{format}"
        );
        for w in USERS.iter().chain(INTERNAL) {
            assert_eq!(words(&text, w), 0, "{format}: {w} is still there");
        }
        assert!(out.contains("user-"), "{format}");
        assert!(out.contains("host-"), "{format}");
    }
    let plain = analyze(&[]);
    assert!(plain.contains("netadmin") && plain.contains("10.20.0.15"));
}

#[test]
fn redacted_report_keeps_its_times_durations_and_citations() {
    let plain = analyze(&[]);
    let red = analyze(&["--redact"]);
    for re in [
        r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?",
        r"\d{4}-\d{2}-\d{2}(?:T[0-9:.]+Z)?",
        r"\d+ (?:min|s|h)\b(?: \d+ s)?",
        r"`[^`]+:\d+`",
        r"\b(?:CST|CDT|UTC)\b",
    ] {
        assert_eq!(matches(re, &plain), matches(re, &red), "{re}");
    }
    assert_eq!(plain.lines().count(), red.lines().count());
}

#[test]
fn redacted_report_passes_lint_public() {
    let red = analyze(&["--redact"]);
    let (_, r) = lint_at(&red, &fixture(CASE), &["--public"]);
    let other: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] != "placeholder-unresolved")
        .collect();
    assert!(other.is_empty(), "{other:#?}");
    assert!(r["coverage"]["times_checked"].as_u64().unwrap() > 0);
}

#[test]
fn lint_public_flags_what_the_draft_still_carries() {
    let plain = analyze(&[]);
    let (code, r) = lint_at(&plain, &fixture(CASE), &["--public"]);
    assert_eq!(code, 1);
    let flagged: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "public-identifier")
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    for w in [
        "netadmin",
        "kpatel",
        "10.20.0.15",
        "core-sw1",
        "portal-web01",
    ] {
        assert!(flagged.contains(&w), "{w} not flagged: {flagged:?}");
    }
    assert!(!flagged.contains(&"portal.servercentral.com"), "public");
    assert!(
        !flagged.iter().any(|f| f.contains(':')),
        "no time or citation: {flagged:?}"
    );
    // Without --public the draft lints as before.
    let (_, r) = lint_at(&plain, &fixture(CASE), &[]);
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["code"] != "public-identifier"));
}

#[test]
fn corrected_published_report_passes_lint_public_with_the_allow_list_only() {
    let published = std::fs::read_to_string(fixture(CASE).join("published-rfo.md"))
        .unwrap()
        .replace("CDT", "CST");
    let (code, r) = lint_at(&published, &fixture(CASE), &["--public"]);
    assert_eq!(code, 0, "{r:#}");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(CASE), dir.path());
    let m = dir.path().join("bundle.toml");
    let text = std::fs::read_to_string(&m).unwrap();
    let cut = text.find("[redact]").unwrap();
    std::fs::write(&m, &text[..cut]).unwrap();
    let (code, r) = lint_at(&published, dir.path(), &["--public"]);
    assert_eq!(code, 1);
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["text"] == "portal.servercentral.com"));
}

#[test]
fn pseudonyms_are_the_same_in_every_format_and_run() {
    let md = analyze(&["--redact"]);
    assert_eq!(md, analyze(&["--redact"]));
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.json");
    let js = analyze(&[
        "--redact",
        "--format",
        "json",
        "--redact-map",
        map.to_str().unwrap(),
    ]);
    let map = json(&std::fs::read_to_string(&map).unwrap());
    assert_eq!(map["schema"], "rfo.redact-map/1");
    let entries = map["entries"].as_array().unwrap();
    let of = |orig: &str| -> String {
        entries
            .iter()
            .find(|e| e["original"] == orig)
            .unwrap_or_else(|| panic!("{orig} not in the map"))["pseudonym"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (user, ip, host) = (of("netadmin"), of("10.20.0.15"), of("core-sw1"));
    assert!(user.starts_with("user-") && ip.starts_with("ip-") && host.starts_with("host-"));
    for out in [&md, &js] {
        assert!(out.contains(&format!("configuration changed by {user} from console")));
        assert!(out.contains(&format!("login by {user} from {ip}")));
        assert!(out.contains(&format!("change on {host}, a host")));
    }
}

#[test]
fn the_redaction_map_is_written_only_when_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = fixture(CASE);
    let (code, _, _) = rfo()
        .current_dir(dir.path())
        .args(["analyze", bundle.to_str().unwrap(), "--redact"])
        .output()
        .map(|o| (o.status.code().unwrap(), (), ()))
        .unwrap();
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let (code, _, err) = run(&[
        "analyze",
        bundle.to_str().unwrap(),
        "--redact-map",
        "m.json",
    ]);
    assert_eq!(code, 2, "--redact-map needs --redact: {err}");
}

#[test]
fn redacted_timeline_keeps_times_and_citations() {
    let bundle = fixture(CASE);
    for format in ["text", "jsonl", "csv"] {
        let (_, plain, _) = run(&["timeline", bundle.to_str().unwrap(), "--format", format]);
        let (code, red, err) = run(&[
            "timeline",
            bundle.to_str().unwrap(),
            "--format",
            format,
            "--redact",
        ]);
        assert_eq!(code, 0, "{err}");
        let text = outside_citations(&red);
        assert_eq!(
            matches(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", &text),
            Vec::<String>::new(),
            "{format}"
        );
        for w in USERS.iter().chain(INTERNAL) {
            assert_eq!(words(&text, w), 0, "{format}: {w}");
        }
        for re in [
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})",
            r"[a-z0-9/.-]+\.(?:log|txt|json):\d+",
        ] {
            assert_eq!(matches(re, &plain), matches(re, &red), "{format} {re}");
        }
    }
}

#[test]
fn without_the_allow_list_the_public_name_is_hidden_too() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(CASE), dir.path());
    let m = dir.path().join("bundle.toml");
    let text = std::fs::read_to_string(&m).unwrap();
    let cut = text.find("[redact]").unwrap();
    std::fs::write(&m, &text[..cut]).unwrap();
    let (code, out, err) = run(&["analyze", dir.path().to_str().unwrap(), "--redact"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("portal.servercentral.com"));
    assert!(
        out.contains("**Service Impact:** Outage for host-"),
        "{out}"
    );
}

/// Pseudonyms are numbered in the order identifiers first appear on the
/// timeline, across the blocks of events whose texts are searched on
/// several threads (issue 16: `Redactor::for_bundle` searches 4096
/// events' texts at a time): 5000 lines, each with a new address.
#[test]
fn pseudonyms_follow_first_appearance_across_search_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = (0..5000u32)
        .map(|k| {
            format!(
                "Feb 22 {:02}:{:02}:{:02} web01 sshd[1]: Accepted password for root from 10.1.{}.{} port 22\n",
                k / 3600,
                k / 60 % 60,
                k % 60,
                k / 256,
                k % 256
            )
        })
        .collect();
    std::fs::write(dir.path().join("messages"), lines).unwrap();
    let map = dir.path().join("map.json");
    let (code, _, err) = run(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--year",
        "2017",
        "--redact",
        "--redact-map",
        map.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let map = json(&std::fs::read_to_string(&map).unwrap());
    let ips: Vec<(String, String)> = map["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["class"] == "ip")
        .map(|e| {
            (
                e["pseudonym"].as_str().unwrap().to_string(),
                e["original"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(ips.len(), 5000);
    for (k, (pseudonym, original)) in ips.iter().enumerate() {
        let want = (
            format!("ip-{}", k + 1),
            format!("10.1.{}.{}", k / 256, k % 256),
        );
        assert_eq!((pseudonym, original), (&want.0, &want.1));
    }
}
