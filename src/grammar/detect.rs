//! Auto-detection: every grammar scores a sample of a file's lines; the best
//! wins if it parses a clear majority. Otherwise the file is `unknown-format`
//! and the candidates with their scores are reported, never guessed.

use super::document::looks_like_statuspage;
use super::registry::Registry;
use super::spec::RecordForm;
use super::{Form, Grammar};
use serde::Serialize;

/// Below this fraction of sample lines parsed, a grammar is not chosen.
pub const MIN_SCORE: f64 = 0.6;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub grammar: String,
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
    match &g.form {
        Form::Document(RecordForm::Statuspage) => {
            let hit = looks_like_statuspage(head);
            Score {
                grammar: g.name.clone(),
                parsed: usize::from(hit),
                sampled: 1,
            }
        }
        Form::Lines(_) => {
            let mut s = Score {
                grammar: g.name.clone(),
                parsed: 0,
                sampled: 0,
            };
            for (k, l) in lines.iter().enumerate() {
                if l.trim().is_empty() {
                    continue;
                }
                s.sampled += 1;
                if g.parse_line(l, k as u64 + 1).is_ok() {
                    s.parsed += 1;
                }
            }
            s
        }
    }
}

/// Choose a grammar for a file from its first lines (`lines`) and its first
/// bytes as text (`head`). Ties between equal scores go to the higher
/// `priority` (the more specific format: Cisco inside a syslog envelope is
/// also valid RFC 3164); an exact tie at equal priority is unknown.
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
    let best = &scored[0];
    let tied = scored
        .get(1)
        .is_some_and(|(s, p)| s.fraction() == best.0.fraction() && *p == best.1);
    if best.0.fraction() >= MIN_SCORE && !tied {
        Detection::Chosen(best.0.clone())
    } else {
        Detection::Unknown(
            scored
                .into_iter()
                .map(|(s, _)| s)
                .filter(|s| s.parsed > 0)
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(lines: &[&str]) -> String {
        let reg = Registry::builtin().unwrap();
        match detect(&reg, lines, &lines.join("\n")) {
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
}
