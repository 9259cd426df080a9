//! `--redact`: replace the identifiers a customer must not see — IPv4 and
//! IPv6 addresses, MAC and e-mail addresses, the users the grammars read,
//! the bundle's hosts not on the public allow-list — with stable
//! pseudonyms (`host-1`, `user-2`, `ip-3`), the same for one identifier
//! throughout one output.
//!
//! Redaction applies to the analysis before it is rendered (every string
//! of its JSON) and to the timeline's events before they are written, so
//! every format and every template is covered, and a name is replaced
//! before an escape or a chart label could split or cut it. Evidence file
//! names are kept (a citation `portal-web01/messages:5` must still lead to
//! the line); numbers, times and durations are never identifiers.
//!
//! Pseudonyms are numbered in the order the identifiers first appear in
//! the bundle's timeline, then in the output: the same bundle gives the
//! same numbers in every format. `scan` finds identifiers; this module
//! decides the names and keeps the mapping. It refuses to guess: a word is
//! a host or a user only when the evidence names it so.

pub mod scan;

use crate::event::{Role, TimedEvent};
use crate::pipeline::Loaded;
use rustc_hash::FxHashSet;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What kind of identifier a pseudonym stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Host,
    User,
    Ip,
    Mac,
    Email,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Host => "host",
            Class::User => "user",
            Class::Ip => "ip",
            Class::Mac => "mac",
            Class::Email => "email",
        }
    }

    /// How lint names it to a reader.
    pub fn noun(self) -> &'static str {
        match self {
            Class::Host => "internal hostname",
            Class::User => "user name",
            Class::Ip => "IP address",
            Class::Mac => "MAC address",
            Class::Email => "e-mail address",
        }
    }
}

/// The names the evidence holds, and what stays public.
///
/// Hashed sets: every word of every line is looked up in them, and
/// ordered sets' string comparisons were an eighth of `--redact` on the
/// 100 MB bench bundle (issue 16).
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Case-folded.
    hosts: FxHashSet<String>,
    /// As written (user names are case-sensitive: `root` is not `Root Cause`).
    users: FxHashSet<String>,
    /// Case-folded allow-list (`[redact] public`).
    public: FxHashSet<String>,
    /// Evidence file names, longest first: never rewritten.
    paths: Vec<String>,
    /// A searcher per path, built once (not once per line scanned).
    finders: Vec<memchr::memmem::Finder<'static>>,
}

/// `s` in ASCII lower case, copied only if it has capitals: every word of
/// every line is looked up folded.
fn folded(s: &str) -> Cow<'_, str> {
    match s.bytes().any(|b| b.is_ascii_uppercase()) {
        true => s.to_ascii_lowercase().into(),
        false => s.into(),
    }
}

/// A name worth treating as one: two characters or more, not a number.
fn usable(n: &str) -> bool {
    n.len() >= 2 && !n.chars().all(|c| c.is_ascii_digit() || c == '.')
}

impl Names {
    pub fn new<'a>(
        hosts: impl IntoIterator<Item = &'a str>,
        users: impl IntoIterator<Item = &'a str>,
        public: impl IntoIterator<Item = &'a str>,
        paths: impl IntoIterator<Item = &'a str>,
    ) -> Names {
        let mut n = Names::default();
        n.hosts.extend(
            hosts
                .into_iter()
                .map(str::trim)
                .filter(|h| usable(h))
                .map(str::to_ascii_lowercase),
        );
        n.users.extend(
            users
                .into_iter()
                .map(str::trim)
                .filter(|u| usable(u))
                .map(str::to_string),
        );
        n.public
            .extend(public.into_iter().map(|p| p.trim().to_ascii_lowercase()));
        // An empty name (a tar member without one, listed as skipped) is
        // no file name: it would protect every position of every text.
        let mut paths: Vec<String> = paths
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        paths.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        paths.dedup();
        n.finders = paths
            .iter()
            .map(|p| memchr::memmem::Finder::new(p.as_bytes()).into_owned())
            .collect();
        n.paths = paths;
        n
    }

    /// The names of a loaded bundle (load it with `Keep::All`, so that the
    /// hosts of every line count): event hosts, `[[source]] host`, the host
    /// part of subjects (but a status page's), the users its grammars read,
    /// `[redact] hosts` and `users`; `[redact] public` stays.
    pub fn from_loaded(loaded: &Loaded) -> Names {
        // A set: every event names its host, a list held one per line.
        let mut hosts: FxHashSet<String> = FxHashSet::default();
        let mut users: Vec<String> = Vec::new();
        let mut public: Vec<String> = Vec::new();
        if let Some(mf) = &loaded.bundle.manifest {
            let m = &mf.manifest;
            hosts.extend(m.source.iter().filter_map(|s| s.host.clone()));
            hosts.extend(m.redact.hosts.iter().cloned());
            users.extend(m.redact.users.iter().cloned());
            public.extend(m.redact.public.iter().cloned());
        }
        for e in loaded.timeline.iter() {
            hosts.extend(e.who.host.as_deref().map(str::to_string));
            if e.who.role != Role::Public {
                let part = e
                    .who
                    .subject
                    .as_deref()
                    .and_then(|s| s.split([' ', '/', ';']).next());
                hosts.extend(
                    part.filter(|p| p.starts_with(|c: char| c.is_ascii_alphanumeric()))
                        .map(str::to_string),
                );
            }
            if let Some(u) = e.operator().and_then(|o| o.user.as_deref()) {
                users.push(u.to_string());
            }
        }
        for s in &loaded.ingested.sources {
            users.extend(s.users.iter().cloned());
        }
        let paths = loaded
            .bundle
            .files
            .iter()
            .map(|f| f.rel.as_str())
            .chain(loaded.bundle.skipped.iter().map(|s| s.path.as_str()))
            .chain([crate::bundle::MANIFEST]);
        Names::new(
            hosts.iter().map(String::as_str),
            users.iter().map(String::as_str),
            public.iter().map(String::as_str),
            paths,
        )
    }

    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// Each path with its searcher.
    pub fn path_finders(&self) -> impl Iterator<Item = (&str, &memchr::memmem::Finder<'static>)> {
        self.paths.iter().map(String::as_str).zip(&self.finders)
    }

    /// Whether `text` is on the allow-list.
    pub fn is_public(&self, text: &str) -> bool {
        self.public.contains(&*folded(text))
    }

    /// A word's class and pseudonym key: a host (or a FQDN under one) or a
    /// user; `None` for any other word.
    pub fn classify(&self, word: &str) -> Option<(Class, String)> {
        let folded = folded(word);
        if self.public.contains(&*folded) {
            return None;
        }
        if self.hosts.contains(&*folded) {
            return Some((Class::Host, folded.into_owned()));
        }
        // A FQDN under a host: the shortest host the word starts with, up to
        // a dot, is the first of them in the sorted set (a prefix sorts
        // before its extensions), as a scan of every host found it.
        if let Some(h) = folded
            .match_indices('.')
            .map(|(p, _)| &folded[..p])
            .find(|h| self.hosts.contains(*h))
        {
            return (!self.public.contains(h)).then(|| (Class::Host, h.to_string()));
        }
        self.users
            .contains(word)
            .then(|| (Class::User, word.to_string()))
    }
}

/// One line of the mapping `--redact-map` writes.
#[derive(Debug, Clone, Serialize)]
pub struct MapEntry {
    pub pseudonym: String,
    pub class: Class,
    pub original: String,
}

/// Events whose texts are searched together (`Redactor::for_bundle`):
/// enough to keep the threads busy, few enough to hold their texts; a
/// block also ends once its texts reach `NOTE_BLOCK_BYTES` (lines may be
/// a MiB each).
const NOTE_BLOCK: usize = 4096;
const NOTE_BLOCK_BYTES: usize = 64 << 20;

/// Identifiers to pseudonyms, numbered per class in first-appearance order.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    names: Names,
    /// Per class, key to pseudonym (looked up by `&str`, without a copy of
    /// the key, for every identifier of every line).
    assigned: BTreeMap<Class, rustc_hash::FxHashMap<String, String>>,
    order: Vec<MapEntry>,
    next: BTreeMap<Class, u32>,
}

impl Redactor {
    pub fn new(names: Names) -> Redactor {
        Redactor {
            names,
            ..Redactor::default()
        }
    }

    /// A redactor for a loaded bundle, numbered in its timeline's order.
    pub fn for_bundle(loaded: &Loaded) -> crate::error::Result<Redactor> {
        let mut r = Redactor::new(Names::from_loaded(loaded));
        let mut lines = loaded.lines()?;
        // A host or subject already scanned has nothing new to number:
        // each is looked at once, not once per line that names it.
        let mut seen: FxHashSet<&str> = FxHashSet::default();
        // The texts of a block of events are gathered in order, searched
        // for identifiers on every thread (the search was two thirds of
        // `analyze --redact`, on one), then numbered in that order: the
        // same pseudonyms as one text at a time.
        let mut texts: Vec<std::borrow::Cow<'_, str>> = Vec::new();
        let (mut events, mut bytes) = (0, 0);
        for e in loaded.timeline.iter() {
            for name in [e.who.host.as_deref(), e.who.subject.as_deref()]
                .into_iter()
                .flatten()
            {
                if seen.insert(name) {
                    texts.push(name.into());
                }
            }
            if let Some(text) = lines.text(&e)? {
                bytes += text.len();
                texts.push(text.to_string().into());
            }
            let summary = e.summary.get();
            bytes += summary.len();
            texts.push(summary);
            events += 1;
            if events == NOTE_BLOCK || bytes >= NOTE_BLOCK_BYTES {
                r.number(&texts);
                texts.clear();
                (events, bytes) = (0, 0);
            }
        }
        r.number(&texts);
        Ok(r)
    }

    /// Search `texts` for identifiers on every thread, then number the
    /// hits in the texts' order.
    fn number(&mut self, texts: &[std::borrow::Cow<'_, str>]) {
        use rayon::prelude::*;
        let names = &self.names;
        let found: Vec<Vec<scan::Hit>> = texts.par_iter().map(|s| scan::hits(s, names)).collect();
        for (s, hits) in texts.iter().zip(found) {
            for h in hits {
                self.pseudonym(h.class, &h.key, &s[h.start..h.end]);
            }
        }
    }

    pub fn names(&self) -> &Names {
        &self.names
    }

    fn pseudonym(&mut self, class: Class, key: &str, original: &str) -> String {
        if let Some(p) = self.assigned.get(&class).and_then(|m| m.get(key)) {
            return p.clone();
        }
        let n = self.next.entry(class).or_insert(0);
        *n += 1;
        let p = format!("{}-{n}", class.as_str());
        self.assigned
            .entry(class)
            .or_default()
            .insert(key.to_string(), p.clone());
        self.order.push(MapEntry {
            pseudonym: p.clone(),
            class,
            original: if class == Class::Host {
                key.to_string()
            } else {
                original.to_string()
            },
        });
        p
    }

    /// Number what `event` would for an event not shown, in a redactor
    /// made by `for_bundle` over the same timeline: that numbered its host,
    /// subject, line and summary, so only its state and operator are left.
    pub fn pass(&mut self, e: &crate::timeline::EventRef<'_>) {
        if let Some(s) = e.who.state.as_deref() {
            self.note(s);
        }
        if let Some(op) = e.operator() {
            for s in [op.user.as_deref(), op.command.as_deref()]
                .into_iter()
                .flatten()
            {
                self.note(s);
            }
        }
    }

    /// Number the identifiers in `s` not numbered yet (what `text` does,
    /// without writing the text out).
    fn note(&mut self, s: &str) {
        for h in scan::hits(s, &self.names) {
            self.pseudonym(h.class, &h.key, &s[h.start..h.end]);
        }
    }

    /// `s` with every identifier replaced.
    pub fn text(&mut self, s: &str) -> String {
        let hits = scan::hits(s, &self.names);
        if hits.is_empty() {
            return s.to_string();
        }
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        for h in hits {
            out.push_str(&s[at..h.start]);
            out.push_str(&self.pseudonym(h.class, &h.key, &s[h.start..h.end]));
            at = h.end;
        }
        out.push_str(&s[at..]);
        out
    }

    /// Every string of a JSON value (not the keys: they are the schema's).
    pub fn value(&mut self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = self.text(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| self.value(x)),
            serde_json::Value::Object(m) => m.values_mut().for_each(|x| self.value(x)),
            _ => {}
        }
    }

    /// An event's text fields (its file, line and times stay); its line,
    /// read back through `lines`, is held redacted.
    pub fn event(
        &mut self,
        e: &mut TimedEvent,
        lines: &mut crate::bundle::lines::LineReader,
    ) -> crate::error::Result<()> {
        let who = e.who_mut();
        who.host = who.host.as_deref().map(|h| self.text(h).into());
        who.subject = who.subject.as_deref().map(|s| self.text(s).into());
        who.state = who.state.as_deref().map(|s| self.text(s).into());
        let text = lines
            .text(&e.lent())?
            .map(|s| crate::event::Text::held(&self.text(s)));
        e.summary = crate::event::Summary::held_with(&self.text(&e.summary.get()), text);
        if let Some(op) = e.operator_mut() {
            op.user = op.user.as_deref().map(|s| self.text(s));
            op.command = op.command.as_deref().map(|s| self.text(s));
        }
        Ok(())
    }

    /// The mapping as JSON (schema `rfo.redact-map/1`), in the order the
    /// pseudonyms were given: for internal follow-up, never for customers.
    pub fn map_json(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            schema: &'static str,
            entries: &'a [MapEntry],
        }
        let mut s = serde_json::to_string_pretty(&Out {
            schema: "rfo.redact-map/1",
            entries: &self.order,
        })
        .expect("map serialises");
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_and_numbered_per_class_in_order() {
        let names = Names::new(["core-sw1", "db01"], ["netadmin"], [], []);
        let mut r = Redactor::new(names);
        assert_eq!(
            r.text("netadmin on core-sw1 from 10.20.0.15 then db01, core-sw1, 10.20.0.15"),
            "user-1 on host-1 from ip-1 then host-2, host-1, ip-1"
        );
        assert!(r.map_json().contains("\"original\": \"10.20.0.15\""));
    }
}
