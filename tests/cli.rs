//! Command-line conventions: each subcommand shows only its own flags,
//! every argument says what it is for, help ends with examples, and the
//! completions and man page come from the same definition.

mod common;

use clap::CommandFactory;
use common::{fixture, run};

/// Every argument of every (sub)command, with the path of commands to it.
fn args(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Arg)>) {
    for a in cmd.get_arguments() {
        out.push((path.to_string(), a.clone()));
    }
    for sub in cmd.get_subcommands() {
        args(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[test]
fn every_argument_has_help_text() {
    let mut all = Vec::new();
    args(&rfo::cli::Cli::command(), "rfo", &mut all);
    assert!(all.len() > 40, "{}", all.len());
    let missing: Vec<String> = all
        .iter()
        .filter(|(_, a)| !a.is_hide_set())
        .filter(|(_, a)| !matches!(a.get_id().as_str(), "help" | "version"))
        .filter(|(_, a)| a.get_help().is_none())
        .map(|(p, a)| format!("{p} {}", a.get_id()))
        .collect();
    assert!(missing.is_empty(), "arguments without help: {missing:?}");
}

#[test]
fn a_subcommand_shows_only_the_flags_that_apply_to_it() {
    let (code, out, _) = run(&["grammars", "list", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--grammars <DIR>"), "{out}");
    for absent in [
        "--merge-gap",
        "--zone",
        "--report-zone",
        "--subject",
        "--title",
    ] {
        assert!(
            !out.contains(absent),
            "{absent} in grammars list --help:\n{out}"
        );
    }
    let (_, out, _) = run(&["parse", "--help"]);
    assert!(out.contains("--year <YYYY>"), "{out}");
    assert!(!out.contains("--merge-gap"), "{out}");
    assert!(!out.contains("--ticket"), "{out}");
    let (_, out, _) = run(&["analyze", "--help"]);
    for present in [
        "--merge-gap",
        "--report-zone",
        "--title",
        "--ticket",
        "--service",
    ] {
        assert!(out.contains(present), "{present} missing:\n{out}");
    }
    // A flag of another subcommand is refused, not ignored.
    let (code, _, err) = run(&["grammars", "list", "--merge-gap", "60"]);
    assert_eq!(code, 2);
    assert!(err.contains("--merge-gap"), "{err}");
}

#[test]
fn help_ends_with_examples() {
    for cmd in [
        vec!["--help"],
        vec!["analyze", "--help"],
        vec!["timeline", "--help"],
        vec!["lint", "--help"],
    ] {
        let (code, out, _) = run(&cmd);
        assert_eq!(code, 0);
        let tail = out.trim_end().rsplit("Examples:").next().unwrap();
        assert!(out.contains("Examples:\n  rfo "), "{cmd:?}:\n{out}");
        assert!(tail.lines().count() >= 2, "{cmd:?}:\n{out}");
    }
}

#[test]
fn completions_and_man_page_are_generated_from_the_cli() {
    let (code, bash, _) = run(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(bash.contains("_rfo()"), "{bash}");
    assert!(
        bash.contains("--report-zone"),
        "bash completion lacks flags"
    );
    let (code, zsh, _) = run(&["completions", "zsh"]);
    assert_eq!(code, 0);
    assert!(zsh.starts_with("#compdef rfo"), "{zsh}");
    let (code, man, _) = run(&["man"]);
    assert_eq!(code, 0);
    assert!(man.contains(".TH rfo 1"), "{}", &man[..200.min(man.len())]);
    assert!(man.contains("analyze"), "man page lacks subcommands");
}

#[test]
fn incident_fields_from_flags_override_the_manifest() {
    let p = fixture("servercentral-2017-02-22");
    let (code, out, _) = run(&[
        "analyze",
        p.to_str().unwrap(),
        "--format",
        "json",
        "--title",
        "Core switch VLAN removal",
        "--ticket",
        "INC-4242",
    ]);
    assert_eq!(code, 0);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["incident"]["title"], "Core switch VLAN removal");
    assert_eq!(j["incident"]["ticket"], "INC-4242");
    // Not given: the manifest's value stays.
    let (_, plain, _) = run(&["analyze", p.to_str().unwrap(), "--format", "json"]);
    let m: serde_json::Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(j["incident"]["service"], m["incident"]["service"]);
    assert_ne!(j["incident"]["title"], m["incident"]["title"]);
}

#[test]
fn timeline_text_is_in_the_report_zone_and_jsonl_stays_utc() {
    let p = fixture("servercentral-2017-02-22");
    let p = p.to_str().unwrap();
    let (code, out, _) = run(&[
        "timeline",
        p,
        "--report-zone",
        "America/Chicago",
        "--from",
        "2017-02-23T03:56:03Z",
        "--to",
        "2017-02-23T03:56:04Z",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("# times in America/Chicago"),
        "zone not named:\n{out}"
    );
    assert!(
        out.contains("2017-02-22T21:56:03.120-06:00 CST  change    core-switch.log:10"),
        "{out}"
    );
    let (code, jsonl, _) = run(&[
        "timeline",
        p,
        "--report-zone",
        "America/Chicago",
        "--format",
        "jsonl",
        "--from",
        "2017-02-23T03:56:03Z",
        "--to",
        "2017-02-23T03:56:04Z",
    ]);
    assert_eq!(code, 0);
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    assert_eq!(lines[0]["datetime"], "2017-02-23T03:56:03.120Z");
    let (_, json, _) = run(&[
        "timeline",
        p,
        "--format",
        "json",
        "--from",
        "2017-02-23T03:56:03Z",
        "--to",
        "2017-02-23T03:56:04Z",
    ]);
    assert_eq!(json, jsonl, "json is the old name of jsonl");
}

#[test]
fn parse_of_an_unrecognised_file_says_so_once_and_points_to_the_grammars() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("notes.txt");
    std::fs::write(&f, "hello world\nfoo bar\n").unwrap();
    let (code, _, err) = run(&["parse", f.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(err.matches("no grammar recognises").count(), 1, "{err}");
    assert!(err.contains("rfo grammars list"), "{err}");
    assert!(err.contains("--grammar NAME"), "{err}");
}

/// The lines of a file as `rfo timeline` must show them: gzip undone,
/// split at LF (bare CR if the file has no LF), a CR before LF dropped,
/// invalid UTF-8 replaced.
fn lines_of(path: &std::path::Path) -> Vec<String> {
    use std::io::Read;
    let raw = std::fs::read(path).unwrap();
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        raw
    };
    let stop = if bytes.contains(&b'\n') { b'\n' } else { b'\r' };
    bytes
        .split(|b| *b == stop)
        .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l)).into_owned())
        .collect()
}

/// Every row of `rfo timeline --format jsonl` of `bundle` shows the line it
/// cites (a document's line trimmed); returns the rows checked.
fn timeline_shows_cited_lines(
    bundle: &std::path::Path,
    root: &std::path::Path,
    extra: &[&str],
) -> usize {
    let mut args = vec!["timeline", bundle.to_str().unwrap(), "--format", "jsonl"];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{}: {err}", bundle.display());
    let mut files = std::collections::HashMap::new();
    let mut rows = 0;
    for row in out.lines() {
        let row: serde_json::Value = serde_json::from_str(row).unwrap();
        let file = row["file"].as_str().unwrap().to_string();
        let lines = files
            .entry(file.clone())
            .or_insert_with(|| lines_of(&root.join(&file)));
        let n = row["line"].as_u64().unwrap() as usize;
        let message = row["message"].as_str().unwrap();
        let line = &lines[n - 1];
        assert!(
            message == line || message == line.trim(),
            "{file}:{n}: shows {message:?}, the line is {line:?}"
        );
        rows += 1;
    }
    rows
}

/// Lines are read back from their files when the timeline is written
/// (issue 16): what it shows must be the line cited, from a plain file, a
/// CRLF one, a gzip file (held, not read back) and an unpacked archive.
#[test]
fn timeline_messages_are_the_lines_they_cite() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b");
    common::copy_dir(&fixture("servercentral-2017-02-22"), &b);
    let plain = timeline_shows_cited_lines(&b, &b, &[]);
    assert!(plain > 20, "{plain} rows");
    // CRLF lines, and a gzip file under the same name (told by its magic).
    let switch = b.join("core-switch.log");
    let text = std::fs::read_to_string(&switch).unwrap();
    std::fs::write(&switch, text.replace('\n', "\r\n")).unwrap();
    let nagios = b.join("nagios.log");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &std::fs::read(&nagios).unwrap()).unwrap();
    std::fs::write(&nagios, gz.finish().unwrap()).unwrap();
    assert_eq!(timeline_shows_cited_lines(&b, &b, &[]), plain);
    // The same bundle as a .tar.gz: its lines are read from the unpacked copy.
    let tgz = dir.path().join("b.tar.gz");
    let mut t = tar::Builder::new(flate2::write::GzEncoder::new(
        std::fs::File::create(&tgz).unwrap(),
        flate2::Compression::fast(),
    ));
    t.append_dir_all("b", &b).unwrap();
    t.into_inner().unwrap().finish().unwrap();
    assert_eq!(timeline_shows_cited_lines(&tgz, &b, &[]), plain);
}

/// The same on logs rfo did not write: every corpus directory.
#[test]
fn timeline_messages_are_the_lines_they_cite_in_the_corpora() {
    let corpora = corpora!();
    let mut rows = 0;
    for d in std::fs::read_dir(&corpora).unwrap().flatten() {
        let p = d.path();
        if p.is_dir() {
            rows += timeline_shows_cited_lines(&p, &p, &["--year", "2017"]);
        }
    }
    assert!(rows > 10_000, "{rows} rows");
}
