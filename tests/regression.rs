//! Regression tests: one named test per bug, each with the input that
//! triggered it and what rfo did wrong. The broader vector tables live
//! beside the code they exercise (tests/syslog_vectors.rs for syslog
//! headers); a test here pins one bug so that it stays fixed.

mod common;
use common::*;
use rfo::grammar::record::Record;
use rfo::grammar::registry::Registry;
use rfo::grammar::Grammar;
use std::sync::OnceLock;

fn grammar(name: &str) -> &'static Grammar {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(|| Registry::builtin().expect("built-in grammars load"))
        .get(name)
        .unwrap_or_else(|| panic!("no grammar {name}"))
}

fn header<'a>(r: &'a Record) -> [Option<&'a str>; 4] {
    ["host", "tag", "pid", "msg"].map(|f| r.get(f))
}

fn rfc3164(line: &str) -> Record<'_> {
    grammar("rfc3164")
        .parse_line(line, 1)
        .unwrap_or_else(|e| panic!("does not parse (column {}): {line}", e.offset + 1))
}

/// Triggered by `<133>Jun 13 16:33:35 haproxy[73411]: Proxy sticky-servers
/// started.` (haproxy sends no host): the `untagged` pattern made
/// `haproxy[73411]:` the host and left no tag.
#[test]
fn a_tag_with_a_pid_right_after_the_time_is_not_a_host() {
    let r = rfc3164("<133>Jun 13 16:33:35 haproxy[73411]: Proxy sticky-servers started.");
    assert_eq!(
        header(&r),
        [
            None,
            Some("haproxy"),
            Some("73411"),
            Some("Proxy sticky-servers started.")
        ]
    );
}

/// Triggered by `<34>Oct 11 22:14:15 mymachine: a message`: the host was
/// `mymachine:`, colon included. A lone `word:` after the time is the TAG.
#[test]
fn a_lone_word_and_colon_after_the_time_is_a_tag_not_a_host_with_a_colon() {
    let r = rfc3164("<34>Oct 11 22:14:15 mymachine: a message");
    assert_eq!(
        header(&r),
        [None, Some("mymachine"), None, Some("a message")]
    );
}

/// Triggered by `<13>Feb 13 20:07:26 74794bfb6795 root[8539]:syslog
/// message`: with no blank after the colon, `tagged` failed and `untagged`
/// kept `root[8539]:syslog message` as the message, with no tag or pid.
#[test]
fn no_blank_after_a_tag_and_pid() {
    let r = rfc3164("<13>Feb 13 20:07:26 74794bfb6795 root[8539]:syslog message");
    assert_eq!(
        header(&r),
        [
            Some("74794bfb6795"),
            Some("root"),
            Some("8539"),
            Some("syslog message")
        ]
    );
}

/// Triggered by `<34>Oct 11 22:14:15 : a message` (an empty TAG): the host
/// was `:`.
#[test]
fn an_empty_tag_leaves_no_garbage_fields() {
    let r = rfc3164("<34>Oct 11 22:14:15 : a message");
    assert_eq!(header(&r), [None, None, None, Some("a message")]);
    let names: Vec<&str> = r.fields.iter().map(|(k, _)| *k).collect();
    assert_eq!(names, ["pri", "ts", "msg"]);
}

/// Triggered by `<14>Sep 30 11:25:40 opsaudit  {"username": "admin",
/// "action": "login"}`: the tag was `{"username"` and the message the rest
/// of the JSON after its first colon.
#[test]
fn a_json_message_after_the_host_is_not_a_tag() {
    let json = r#"{"username": "admin", "action": "login"}"#;
    for line in [
        format!("<14>Sep 30 11:25:40 opsaudit  {json}"),
        format!("<14>Sep 30 11:25:40 opsaudit {json}"),
    ] {
        let r = rfc3164(&line);
        assert_eq!(
            header(&r),
            [Some("opsaudit"), None, None, Some(json)],
            "{line}"
        );
    }
}

/// Triggered by `<4096>1 - - - - - -` (rfc5424) and `<192>Oct 11 22:14:15
/// host tag: msg` (rfc3164): both parsed, with PRI 4096 and 192. PRI is
/// 0..=191.
#[test]
fn a_pri_above_191_is_not_syslog() {
    assert!(grammar("rfc5424")
        .parse_line("<4096>1 - - - - - -", 1)
        .is_err());
    assert!(grammar("rfc5424")
        .parse_line("<192>1 - - - - - -", 1)
        .is_err());
    assert!(grammar("rfc5424")
        .parse_line("<191>1 - - - - - -", 1)
        .is_ok());
    assert!(grammar("rfc3164")
        .parse_line("<192>Oct 11 22:14:15 host tag: msg", 1)
        .is_err());
    assert_eq!(
        rfc3164("<191>Oct 11 22:14:15 host tag: msg").get("pri"),
        Some("191")
    );
}

/// Triggered by `2003-10-11T22:14:15.0030000001Z`: the tenth fraction digit
/// was dropped without a word and the line read as `.003000000`.
#[test]
fn a_ten_digit_fraction_is_rejected_not_truncated() {
    for (g, line) in [
        (
            "rfc5424",
            "<34>1 2003-10-11T22:14:15.0030000001Z mymachine.example.com su - ID47 - msg",
        ),
        (
            "rfc3164",
            "<34>2003-10-11T22:14:15.0030000001Z mymachine su: msg",
        ),
    ] {
        assert!(grammar(g).parse_line(line, 1).is_err(), "{g}: {line}");
    }
    // Nine digits are nanoseconds, and kept.
    let (_, st) = rfo::time::stamp::iso("2003-10-11T22:14:15.003000001Z").unwrap();
    let rfo::time::stamp::Stamp::Offset { wall, .. } = st else {
        panic!("{st:?}")
    };
    assert_eq!((wall.nanos, wall.frac_digits), (3_000_001, 9));
}

/// Triggered by `2003-10-11t22:14:15.003Z`: a lower-case `z` was accepted
/// but a lower-case `t` was not, though RFC 3339 §5.6 allows both.
#[test]
fn a_lower_case_t_is_accepted_like_a_lower_case_z() {
    for line in [
        "<34>1 2003-10-11t22:14:15.003Z mymachine.example.com su - ID47 - msg",
        "<34>1 2003-10-11T22:14:15.003z mymachine.example.com su - ID47 - msg",
        "<34>1 2003-10-11t22:14:15.003z mymachine.example.com su - ID47 - msg",
    ] {
        let r = grammar("rfc5424").parse_line(line, 1).expect(line);
        assert!(r.stamp.is_some(), "{line}");
    }
    assert!(rfo::time::stamp::iso("2003-10-11t22:14:15 x").is_ok());
}

/// A bundle of one rfc3164 source, year 2017, with `lines` as its log.
fn bundle_2017(lines: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bundle.toml"),
        "[incident]\ntitle = \"feb 29\"\n\n[[source]]\npath = \"messages\"\ngrammar = \"rfc3164\"\nzone = \"UTC\"\nyear = 2017\n",
    )
    .unwrap();
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(dir.path().join("messages"), text).unwrap();
    dir
}

const FEB_29: &[&str] = &[
    "Feb 28 10:00:00 web01 sshd[1]: Accepted publickey for ops from 10.0.0.1 port 1 ssh2",
    "Feb 29 10:00:00 web01 kernel: eth0: Link is Down",
    "Mar  1 10:00:00 web01 kernel: eth0: Link is Up",
];

/// Triggered by `Feb 29 10:00:00 ...` in a source read as 2017: the
/// year-less stamp parses (a leap year would have the date), then has no
/// instant. `analyze` must count the line unparsed and name it, never drop
/// it or move it to Mar 1.
#[test]
fn feb_29_in_a_common_year_is_an_unparsed_line_named_in_a_finding() {
    let dir = bundle_2017(FEB_29);
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["analyze", d, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let j = json(&out);
    let src = &j["sources"][0];
    assert_eq!(
        (src["lines"].as_u64(), src["unparsed"].as_u64()),
        (Some(3), Some(1))
    );
    let f = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unparsed-lines")
        .unwrap_or_else(|| panic!("no unparsed-lines finding: {}", j["findings"]));
    assert_eq!(f["evidence"]["line"].as_u64(), Some(2), "{f}");
    assert!(
        f["message"].as_str().unwrap().contains("line 2"),
        "{}",
        f["message"]
    );
    // Nothing was placed on a made-up date: the timeline has lines 1 and 3.
    let (code, out, err) = run(&["timeline", d, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<u64> = out
        .lines()
        .map(|l| json(l)["line"].as_u64().expect("a line number"))
        .collect();
    assert_eq!(lines, [1, 3], "{out}");
    // The reason is there for a finding to give (see
    // `WallClock::impossible`).
    let r = rfc3164(FEB_29[1]);
    let Some(rfo::time::stamp::Stamp::Wall(w)) = r.stamp else {
        panic!("{:?}", r.stamp)
    };
    assert_eq!(
        w.impossible(2017).as_deref(),
        Some("Feb 29 does not exist in 2017 (not a leap year)")
    );
}

/// The same line through `rfo parse`: today it is listed as parsed with an
/// instant of `-`, and counted in `parsed`, with nothing saying why it has
/// no time. It should be an unparsed line that says why. Needs the change to
/// src/cmd/parse.rs `describe` (not this change's file) described in the
/// issue's notes: a stamp that `resolve` refuses makes the line a failure.
#[test]
#[ignore = "needs src/cmd/parse.rs to report a stamp resolve refuses (see the Feb 29 notes)"]
fn rfo_parse_reports_feb_29_in_a_common_year_as_unparsed() {
    let dir = bundle_2017(FEB_29);
    let file = dir.path().join("messages");
    let (code, out, err) = run(&[
        "parse",
        file.to_str().unwrap(),
        "--grammar",
        "rfc3164",
        "--year",
        "2017",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let j = json(&out);
    assert_eq!(j["unparsed"].as_u64(), Some(1), "{out}");
    assert_eq!(j["failures"][0]["line"].as_u64(), Some(2), "{out}");
    assert!(out.contains("Feb 29 does not exist in 2017"), "{out}");
}
