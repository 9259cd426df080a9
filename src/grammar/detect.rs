//! Auto-detection: every grammar scores a sample of a file's lines; the best
//! wins if it parses a clear majority. Otherwise the file is `unknown-format`
//! and the candidates with their scores are reported, never guessed.
//!
//! Formats overlap: a Cisco line inside a syslog envelope is also valid
//! RFC 3164, a Junos line is BSD syslog with an event tag. Two rules settle
//! it, both documented in docs/grammars.md:
//!
//! - **Priority within a margin.** Among the grammars that parse at least
//!   `MIN_SCORE` of the sample and come within `PRIORITY_MARGIN` of the best
//!   score, the highest `priority` (the more specific format) wins; so a
//!   Cisco log with one odd line still goes to `cisco-ios`, not `rfc3164`.
//! - **Catch-alls need evidence.** Lines read only by a grammar's
//!   `fallback` patterns (what its files share with generic logs) count only
//!   when its specific patterns read at least `FALLBACK_EVIDENCE` of the
//!   sample; so `junos` cannot claim a Linux syslog file, nor a collector's
//!   file where Junos lines are a minority (there `rfc3164` reads every line,
//!   Junos ones included, and keeps its own rules for the rest).

use super::alertmanager::looks_like_alertmanager;
use super::document::looks_like_statuspage;
use super::registry::Registry;
use super::spec::RecordForm;
use super::{Form, Grammar, Strength};
use serde::Serialize;

/// Below this fraction of sample lines parsed, a grammar is not chosen.
pub const MIN_SCORE: f64 = 0.6;

/// A higher-priority grammar within this much of the best score wins.
pub const PRIORITY_MARGIN: f64 = 0.1;

/// Fallback-pattern lines count only when specific patterns read at least
/// this share of the sample: the format's own lines must be the majority.
pub const FALLBACK_EVIDENCE: f64 = 0.5;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub grammar: String,
    /// Lines that count for this grammar (see the module docs).
    pub parsed: usize,
    pub sampled: usize,
}

impl Score {
    pub fn fraction(&self) -> f64 {
        if self.sampled == 0 {
            0.0
        } else {
            self.parsed as f64 / self.sampled as f64
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Detection {
    Chosen(Score),
    Unknown(Vec<Score>),
}

fn score(g: &Grammar, lines: &[&str], head: &str) -> Score {
    let document = |hit: bool| Score {
        grammar: g.name.clone(),
        parsed: usize::from(hit),
        sampled: 1,
    };
    match &g.form {
        Form::Document(RecordForm::Statuspage) => document(looks_like_statuspage(head)),
        Form::Document(RecordForm::Alertmanager) => document(looks_like_alertmanager(head)),
        Form::Document(RecordForm::Jsonl) => document(false),
        Form::Lines(_) | Form::LineRecords(_) => {
            let (mut sampled, mut specific, mut fallback) = (0, 0, 0);
            for (k, l) in lines.iter().enumerate() {
                if l.trim().is_empty() {
                    continue;
                }
                sampled += 1;
                match g.read_line(l, k as u64 + 1) {
                    Ok((_, Strength::Specific)) => specific += 1,
                    Ok((_, Strength::Fallback)) => fallback += 1,
                    Err(_) => {}
                }
            }
            let evidence = specific > 0 && specific as f64 >= FALLBACK_EVIDENCE * sampled as f64;
            Score {
                grammar: g.name.clone(),
                parsed: if evidence {
                    specific + fallback
                } else {
                    specific
                },
                sampled,
            }
        }
    }
}

/// Choose a grammar for a file from its first lines (`lines`) and its first
/// bytes as text (`head`). See the module docs for how overlapping formats
/// are settled; an exact tie at equal priority is unknown.
pub fn detect(reg: &Registry, lines: &[&str], head: &str) -> Detection {
    let mut scored: Vec<(Score, i32)> = reg
        .all()
        .iter()
        .map(|g| (score(g, lines, head), g.priority))
        .collect();
    scored.sort_by(|(a, pa), (b, pb)| {
        b.fraction()
            .total_cmp(&a.fraction())
            .then(pb.cmp(pa))
            .then(a.grammar.cmp(&b.grammar))
    });
    let best = scored.first().map_or(0.0, |(s, _)| s.fraction());
    let band: Vec<&(Score, i32)> = scored
        .iter()
        .filter(|(s, _)| s.fraction() >= MIN_SCORE && s.fraction() >= best - PRIORITY_MARGIN)
        .collect();
    let top_priority = band.iter().map(|(_, p)| *p).max();
    let mut top = band.iter().filter(|(_, p)| Some(*p) == top_priority);
    // `scored` is sorted, so the first of the top priority has its best score.
    let chosen = match (top.next(), top.next()) {
        (Some((a, _)), Some((b, _))) if a.fraction() == b.fraction() => None,
        (Some((a, _)), _) => Some(a.clone()),
        (None, _) => None,
    };
    match chosen {
        Some(s) => Detection::Chosen(s),
        None => Detection::Unknown(
            scored
                .into_iter()
                .map(|(s, _)| s)
                .filter(|s| s.parsed > 0)
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> &'static Registry {
        static REG: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
        REG.get_or_init(|| Registry::builtin().unwrap())
    }

    fn pick(lines: &[&str]) -> String {
        match detect(builtin(), lines, &lines.join("\n")) {
            Detection::Chosen(s) => s.grammar,
            Detection::Unknown(c) => format!("unknown {c:?}"),
        }
    }

    #[test]
    fn picks_each_format() {
        assert_eq!(
            pick(&["000123: *Feb 22 21:56:03.120 CST: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.0.5)"]),
            "cisco-ios"
        );
        assert_eq!(
            pick(&["Feb 22 21:56:04 web01 sshd[1234]: Accepted publickey for ops"]),
            "rfc3164"
        );
        assert_eq!(
            pick(&["[1487822220] SERVICE ALERT: portal;HTTP;CRITICAL;HARD;3;timeout"]),
            "nagios"
        );
        assert_eq!(pick(&["hello world", "nothing here"]), "unknown []");
    }

    const LINUX: &str = "Feb 22 21:56:04 web01 sshd[1234]: Accepted publickey for ops";
    const COMMIT: &str =
        "Feb 22 21:56:03 core-sw1 mgd[4121]: UI_COMMIT: User 'admin' requested 'commit' operation";
    const CISCO: &str = "<189>Feb 23 03:56:04 core-sw1 000123: *Feb 22 21:56:03.120 CST: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.0.5)";

    #[test]
    fn more_formats() {
        assert_eq!(pick(&[COMMIT]), "junos");
        assert_eq!(
            pick(&["<165>1 2017-02-23T03:56:03.120Z host app 1234 ID47 [sd id=\"1\"] msg"]),
            "rfc5424"
        );
        assert_eq!(
            pick(&[r#"{"ts":"2017-02-23T03:56:03Z","msg":"x"}"#]),
            "jsonl"
        );
        assert_eq!(pick(&["2017-02-23 03:56:03,123 INFO started"]), "iso");
        // An RFC 3339 syslog line is also an ISO line: rfc3164 outranks iso.
        assert_eq!(
            pick(&["2017-02-22T21:56:04.123-06:00 web01 sshd[1234]: Connection closed"]),
            "rfc3164"
        );
        let am = "{\"status\":\"firing\",\"alerts\":[{\"labels\":{},\"startsAt\":\"2017-02-23T03:56:03Z\"}]}";
        assert_eq!(pick(&[am]), "alertmanager");
    }

    #[test]
    fn priority_wins_within_the_margin() {
        // A time and nothing else: BSD syslog reads it, Cisco does not.
        let odd = "<14>Aug 30 23:00:05";
        // Ten Cisco lines and one odd one: rfc3164 scores 11/11, cisco-ios
        // 10/11, within the margin: the more specific format wins.
        let mut lines = vec![CISCO; 10];
        lines.push(odd);
        assert_eq!(pick(&lines), "cisco-ios");
        // Two odd lines: 10/12 is outside the margin, the better score wins.
        lines.push(odd);
        assert_eq!(pick(&lines), "rfc3164");
    }

    #[test]
    fn fallback_lines_need_a_majority_of_evidence() {
        // junos's catch-alls read every BSD line, but say nothing by themselves.
        assert_eq!(pick(&[LINUX; 5]), "rfc3164");
        // A Junos device's log: tagged lines are most, the rest come along.
        let mut lines = vec![COMMIT; 3];
        lines.extend([LINUX; 2]);
        assert_eq!(pick(&lines), "junos");
        let s = score(builtin().get("junos").unwrap(), &lines, "");
        assert_eq!((s.parsed, s.sampled), (5, 5));
        // A collector where Junos is the minority stays generic syslog.
        let mut lines = vec![COMMIT; 2];
        lines.extend([LINUX; 3]);
        assert_eq!(pick(&lines), "rfc3164");
        let s = score(builtin().get("junos").unwrap(), &lines, "");
        assert_eq!((s.parsed, s.sampled), (2, 5));
    }

    #[test]
    fn an_exact_tie_is_unknown() {
        let mut reg = Registry::builtin().unwrap();
        let twin = |name: &str| {
            let src = format!(
                "name = \"{name}\"\ndescription = \"d\"\n[[pattern]]\nname = \"p\"\nmatch = 'ZZ {{msg:rest}}'\n"
            );
            crate::grammar::registry::load_str(&src, "t.toml", "t.toml").unwrap()
        };
        reg.add(twin("twin-a"));
        reg.add(twin("twin-b"));
        match detect(&reg, &["ZZ top"], "ZZ top") {
            Detection::Unknown(c) => {
                let names: Vec<&str> = c.iter().map(|s| s.grammar.as_str()).collect();
                assert_eq!(names, ["twin-a", "twin-b"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
