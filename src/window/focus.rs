//! What the analysis is about, and what depends on what.
//!
//! Focus (`[incident] subjects`/`hosts`, `--subject`/`--host`) narrows
//! windows, trigger ranking and the report to the named subjects and
//! hosts; what is left out is counted, never dropped silently.
//! `[[depends]]` makes a fault or change on a dependency *related* to the
//! subjects that depend on it, though their hosts differ.

use crate::timeline::Timeline;
use globset::{Glob, GlobMatcher};

/// A compiled glob with the text the user wrote.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    matcher: GlobMatcher,
}

impl Pattern {
    pub fn new(text: &str) -> Result<Pattern, String> {
        Glob::new(text)
            .map(|g| Pattern {
                text: text.to_string(),
                matcher: g.compile_matcher(),
            })
            .map_err(|e| format!("bad glob {text:?}: {}", e.kind()))
    }

    pub fn is_match(&self, s: &str) -> bool {
        self.matcher.is_match(s)
    }
}

/// Subjects and hosts the analysis is about; empty means everything.
#[derive(Debug, Clone, Default)]
pub struct Focus {
    pub subjects: Vec<Pattern>,
    pub hosts: Vec<Pattern>,
}

impl Focus {
    pub fn is_empty(&self) -> bool {
        self.subjects.is_empty() && self.hosts.is_empty()
    }

    /// Whether a subject (on a host) is in focus.
    pub fn admits(&self, subject: &str, host: Option<&str>) -> bool {
        self.is_empty()
            || self.subjects.iter().any(|p| p.is_match(subject))
            || host.is_some_and(|h| self.hosts.iter().any(|p| p.is_match(h)))
    }

    /// Globs that match no subject (or host) of the timeline, each with the
    /// closest names there are: a typo must not silently empty the analysis.
    pub fn unmatched(&self, t: &Timeline) -> Vec<Unmatched> {
        if self.subjects.is_empty() && self.hosts.is_empty() {
            return Vec::new();
        }
        let (subjects, hosts) = names(t);
        let mut out = Vec::new();
        for (pats, pool, host) in [
            (&self.subjects, &subjects, false),
            (&self.hosts, &hosts, true),
        ] {
            for (index, p) in pats.iter().enumerate() {
                if !pool.iter().any(|s| p.is_match(s)) {
                    out.push(Unmatched {
                        host,
                        index,
                        what: format!("{} {:?}", if host { "host" } else { "subject" }, p.text),
                        closest: closest(&p.text, pool),
                    });
                }
            }
        }
        out
    }
}

/// A focus glob that matches nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// A `hosts` glob (else a `subjects` one).
    pub host: bool,
    /// Its index in `Focus::hosts` or `Focus::subjects`.
    pub index: usize,
    /// `subject "portl/*"`, for messages.
    pub what: String,
    pub closest: Vec<String>,
}

/// `{ subject = "portal/*", on = ["core-sw1"] }`: subjects matching
/// `subject` depend on hosts or subjects matching any of `on`.
#[derive(Debug, Clone)]
pub struct Depends {
    pub subject: Pattern,
    pub on: Vec<Pattern>,
}

impl Depends {
    /// Whether something on `host` (or the subject `other`) is a dependency
    /// of `subject`.
    pub fn links(&self, subject: &str, host: Option<&str>, other: Option<&str>) -> bool {
        self.subject.is_match(subject)
            && self.on.iter().any(|p| {
                host.is_some_and(|h| p.is_match(h)) || other.is_some_and(|o| p.is_match(o))
            })
    }
}

/// Depends entries naming nothing the evidence has, each side checked:
/// (entry index, message).
pub fn unmatched_depends(deps: &[Depends], t: &Timeline) -> Vec<(usize, String)> {
    if deps.is_empty() {
        return Vec::new();
    }
    let (subjects, hosts) = names(t);
    let mut out = Vec::new();
    for (i, d) in deps.iter().enumerate() {
        if !subjects.iter().any(|s| d.subject.is_match(s)) {
            out.push((
                i,
                format!(
                    "[[depends]] subject {:?} matches no subject in the evidence{}",
                    d.subject.text,
                    hint(&closest(&d.subject.text, &subjects))
                ),
            ));
        }
        for p in &d.on {
            if !subjects.iter().chain(hosts.iter()).any(|s| p.is_match(s)) {
                let mut pool = subjects.clone();
                pool.extend(hosts.iter().cloned());
                out.push((
                    i,
                    format!(
                        "[[depends]] on {:?} (for {:?}) matches no host or subject in the evidence{}",
                        p.text,
                        d.subject.text,
                        hint(&closest(&p.text, &pool))
                    ),
                ));
            }
        }
    }
    out
}

fn hint(close: &[String]) -> String {
    if close.is_empty() {
        String::new()
    } else {
        format!("; closest: {}", close.join(", "))
    }
}

/// The timeline's subjects and hosts, each sorted and once. A walk over
/// every event: only worth it when there is a glob to check (a storm spent
/// a tenth of its analysis here with none).
fn names(t: &Timeline) -> (Vec<String>, Vec<String>) {
    let mut subjects = std::collections::HashSet::new();
    let mut hosts = std::collections::HashSet::new();
    for e in t {
        if let Some(s) = &e.who.subject {
            subjects.insert(s.as_str());
        }
        if let Some(h) = &e.who.host {
            hosts.insert(h.as_str());
        }
    }
    let sorted = |set: std::collections::HashSet<&str>| {
        let mut v: Vec<String> = set.into_iter().map(str::to_string).collect();
        v.sort();
        v
    };
    (sorted(subjects), sorted(hosts))
}

/// Up to three names nearest to `glob` by edit distance (its literal
/// characters), nearest first, ties by name.
pub fn closest(glob: &str, pool: &[String]) -> Vec<String> {
    let lit: String = glob.chars().filter(|c| !"*?[]{}".contains(*c)).collect();
    let mut scored: Vec<(usize, &String)> = pool
        .iter()
        .map(|s| {
            (
                strsim::levenshtein(&lit.to_lowercase(), &s.to_lowercase()),
                s,
            )
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, s)| s.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Kind;
    use crate::timeline::tests::ev;

    #[test]
    fn focus_admits_by_subject_or_host() {
        let f = Focus {
            subjects: vec![Pattern::new("portal/*").unwrap()],
            hosts: vec![Pattern::new("core-sw?").unwrap()],
        };
        assert!(f.admits("portal/HTTP", None));
        assert!(f.admits("core-sw1 Gi1/0/24", Some("core-sw1")));
        assert!(!f.admits("db01/MySQL", Some("db01")));
        assert!(Focus::default().admits("anything", None));
    }

    #[test]
    fn an_unmatched_glob_names_the_closest_subjects() {
        let mut a = ev("2017-02-23T03:56:00Z", 0, 1, Kind::Fault, "portal/HTTP");
        a.who_mut().host = Some("portal".into());
        let b = ev("2017-02-23T03:56:00Z", 0, 2, Kind::Fault, "db01/MySQL");
        let f = Focus {
            subjects: vec![Pattern::new("portl/*").unwrap()],
            hosts: vec![],
        };
        let u = f.unmatched(&crate::timeline::Timeline::from(vec![a, b]));
        assert_eq!(u.len(), 1);
        assert_eq!((u[0].host, u[0].index), (false, 0));
        assert_eq!(u[0].what, "subject \"portl/*\"");
        assert_eq!(u[0].closest[0], "portal/HTTP");
    }

    #[test]
    fn depends_links_a_dependency_host_to_its_dependents() {
        let d = Depends {
            subject: Pattern::new("portal/*").unwrap(),
            on: vec![Pattern::new("core-sw1").unwrap()],
        };
        assert!(d.links("portal/HTTP", Some("core-sw1"), None));
        assert!(d.links("portal/HTTP", None, Some("core-sw1")));
        assert!(!d.links("db/MySQL", Some("core-sw1"), None));
        assert!(!d.links("portal/HTTP", Some("db01"), None));
    }
}
