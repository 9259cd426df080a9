//! Classification rules: regexes over record fields that give a record its
//! kind, subject, state and summary.
//!
//! All conditions on one field are compiled into one `RegexSet`, so a line
//! is scanned once per field whatever the number of rules; only the first
//! matching rule runs its capturing regexes to fill the templates. A
//! condition that names the field's whole value (`^(DOWN|UNREACHABLE)$`)
//! is a table lookup instead: a Nagios line's `pattern`, `state` and
//! `statetype` no longer each run a set's automaton.

use super::record::Record;
use crate::event::{Kind, Operator};
use crate::signal::{Health, Signal};
use regex::Regex;

use super::syntax::RegexSet;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A rule as written in a grammar file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub kind: Kind,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    /// The typed state (`down`, `monitor-stop`, …, see `signal`), or a
    /// template whose rendered word the grammar's `[states]` table maps.
    /// Without it a `fault` says `down` and a `recovery` says `ok`.
    #[serde(default)]
    pub signal: Option<String>,
    /// Field name → regex; all must match. `pattern` is the name of the
    /// line pattern that matched.
    #[serde(default)]
    pub when: BTreeMap<String, String>,
    /// Who did it (`{user}`): links the commands an operator logged to the
    /// change they led to.
    #[serde(default)]
    pub operator: Option<String>,
    /// The operator's session (a tty, a CLI process id), where the log
    /// names one: two sessions of one user are told apart.
    #[serde(default)]
    pub operator_session: Option<String>,
    /// The command as logged: marks the event as a logged command, shown as
    /// the content of the change it led to.
    #[serde(default)]
    pub operator_command: Option<String>,
}

/// A `{name}` template over captures and fields.
#[derive(Debug, Clone)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Lit(String),
    /// A field, and what to write when it is missing (`{incident|status page}`).
    Var(String, Option<String>),
}

impl Template {
    pub fn parse(s: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Lit(rest[..open].to_string()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("unclosed '{{' in template {s:?}"))?;
            let inner = &rest[open + 1..open + close];
            let (name, default) = match inner.split_once('|') {
                Some((n, d)) => (n, Some(d.to_string())),
                None => (inner, None),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("bad placeholder {{{inner}}} in template {s:?}"));
            }
            parts.push(Part::Var(name.to_string(), default));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Lit(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// Render with `lookup`; a missing value renders as its default
    /// (`{name|default}`), else as `?` so that a gap is visible rather than
    /// silently empty.
    pub fn render<'a>(&self, lookup: &impl Fn(&str) -> Option<&'a str>) -> String {
        // The pieces first, then one allocation of their length: a Nagios
        // summary grew its string four times (issue 16).
        const PIECES: usize = 16;
        let mut pieces = [""; PIECES];
        if self.parts.len() > PIECES {
            return self.parts.iter().map(|p| p.text(lookup)).collect();
        }
        let mut len = 0;
        for (slot, p) in pieces.iter_mut().zip(&self.parts) {
            *slot = p.text(lookup);
            len += slot.len();
        }
        let mut out = String::with_capacity(len);
        for piece in &pieces[..self.parts.len()] {
            out.push_str(piece);
        }
        out
    }

    /// Render with `lookup`, or `None` when a field without a default is
    /// missing: for values that are absent rather than shown as a gap.
    pub fn render_opt<'a>(&self, lookup: &impl Fn(&str) -> Option<&'a str>) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Var(v, default) => out.push_str(lookup(v).or(default.as_deref())?),
            }
        }
        Some(out)
    }
}

impl Part {
    /// A literal, or a field's value, else its default, else `?`.
    fn text<'s, 'a: 's>(&'s self, lookup: &impl Fn(&str) -> Option<&'a str>) -> &'s str {
        match self {
            Part::Lit(s) => s,
            Part::Var(v, default) => lookup(v).or(default.as_deref()).unwrap_or("?"),
        }
    }
}

/// A rule's operator templates.
#[derive(Debug, Clone, Default)]
struct OperatorTemplates {
    user: Option<Template>,
    session: Option<Template>,
    command: Option<Template>,
}

#[derive(Debug, Clone)]
struct Rule {
    kind: Kind,
    subject: Option<Template>,
    state: Option<Template>,
    summary: Option<Template>,
    signal: Option<SignalTemplate>,
    operator: OperatorTemplates,
    conds: Vec<Cond>,
    /// Conditions checked through the field sets.
    eager: usize,
    /// Of them, those checked through a table of whole values.
    tables: usize,
    /// Unanchored conditions of a rule that has anchored ones (indices in
    /// `conds`): checked only once those matched, so no line pays for
    /// scanning its whole text.
    deferred: Vec<usize>,
}

/// One condition: a field and its regex, compiled apart from the field's
/// set only when a line needs its captures or its deferred test. Most
/// rules never fire in a given log, and building their regexes was half
/// of a run's start on a syslog file: 23 M instructions (issue 16).
#[derive(Debug, Clone)]
struct Cond {
    field: String,
    source: String,
    rx: std::sync::OnceLock<Regex>,
    /// The regex read without Unicode, for ASCII values, where it answers
    /// alike and compiles in about a quarter of the time
    /// (`syntax::ascii_twin`); `None` inside when it has no twin.
    ascii: std::sync::OnceLock<Option<regex::bytes::Regex>>,
    /// Whether the regex may name a capture group (`(?P<x>` or `(?<x>` in
    /// its text): one that cannot is never run for captures, and a table's
    /// condition (`whole_values`) is then never compiled at all.
    named: bool,
}

impl Cond {
    /// `now`: compile at once (user grammars, whose errors are reported
    /// at load); else on first use (built-in ones, which the test suite
    /// compiles).
    fn new(field: &str, source: &str, now: bool) -> Result<Cond, regex::Error> {
        let rx = std::sync::OnceLock::new();
        if now {
            let _ = rx.set(Regex::new(source)?);
        }
        Ok(Cond {
            field: field.to_string(),
            source: source.to_string(),
            rx,
            ascii: std::sync::OnceLock::new(),
            named: source.contains("(?P<") || source.contains("(?<"),
        })
    }

    fn rx(&self) -> &Regex {
        self.rx.get_or_init(|| {
            Regex::new(&self.source)
                .unwrap_or_else(|e| panic!("built-in grammar rule on {:?}: {e}", self.field))
        })
    }

    /// The regex that answers `value` as `rx` does: the ASCII twin for an
    /// ASCII value when there is one.
    fn twin(&self, value: &str) -> Option<&regex::bytes::Regex> {
        if !value.is_ascii() {
            return None;
        }
        let twin = self.ascii.get_or_init(|| {
            super::syntax::ascii_twin(&self.source)
                .then(|| {
                    regex::bytes::RegexBuilder::new(&self.source)
                        .unicode(false)
                        .build()
                        .ok()
                })
                .flatten()
        });
        twin.as_ref()
    }

    fn is_match(&self, value: &str) -> bool {
        match self.twin(value) {
            Some(t) => t.is_match(value.as_bytes()),
            None => self.rx().is_match(value),
        }
    }

    /// Each named group's text where the regex matches `value`, after
    /// what `out` holds.
    fn captures_into<'s, 'v>(&'s self, value: &'v str, out: &mut Vec<(&'s str, &'v str)>) {
        if let Some(t) = self.twin(value) {
            if let Some(c) = t.captures(value.as_bytes()) {
                for name in t.capture_names().flatten() {
                    if let Some(m) = c.name(name) {
                        // An ASCII value: every offset is a character's.
                        out.push((name, &value[m.range()]));
                    }
                }
            }
            return;
        }
        let rx = self.rx();
        if let Some(c) = rx.captures(value) {
            for name in rx.capture_names().flatten() {
                if let Some(m) = c.name(name) {
                    out.push((name, m.as_str()));
                }
            }
        }
    }
}

/// Whether a regex can only match at the start of its text (`^` or `\A`
/// after any leading inline flags): such conditions are cheap to test on
/// every line, since the search stops at the first byte that cannot match.
fn anchored(re: &str) -> bool {
    let mut rest = re;
    while let Some(r) = rest.strip_prefix("(?") {
        match r.find(')') {
            Some(end) if !r[..end].contains([':', '<', '=', '!', 'P']) => rest = &r[end + 1..],
            _ => break,
        }
    }
    rest.starts_with('^') || rest.starts_with("\\A")
}

/// How rarely a field's set matches, to run the rarest first: the shortest
/// literal every match of each of its regexes starts with (0 when one
/// has none: `^(?P<target>.*)$` matches anything). Order only saves
/// work; any order classifies alike.
fn selectivity(fs: &FieldSet) -> usize {
    let Some(set) = &fs.set else {
        return 0;
    };
    set.patterns()
        .iter()
        .map(|re| min_literal_len(re))
        .min()
        .unwrap_or(0)
}

/// The shortest literal every match of `re` starts with: 0 for none, or
/// when `re` does not parse.
fn min_literal_len(re: &str) -> usize {
    match super::derived::known(re) {
        Some(d) => d.min_literal_len,
        None => min_literal_len_fresh(re),
    }
}

/// `min_literal_len` worked out from the regex's syntax tree.
pub(super) fn min_literal_len_fresh(re: &str) -> usize {
    let Some(hir) = super::syntax::parse(re) else {
        return 0;
    };
    let seq = regex_syntax::hir::literal::Extractor::new().extract(&hir);
    seq.min_literal_len().unwrap_or(0)
}

/// Every value a condition accepts, when it is anchored at both ends and
/// spells them out (`^CRITICAL$`, `^(DOWN|UNREACHABLE)$`, `^[Ll]ink$`): the
/// condition is then "the field is one of these", which a table answers.
/// `None` for anything else, or for more than `MAX_VALUES` values.
pub(crate) fn whole_values(re: &str) -> Option<Vec<String>> {
    match super::derived::known(re) {
        Some(d) => d
            .whole_values
            .map(|vs| vs.iter().map(|v| v.to_string()).collect()),
        None => whole_values_fresh(re),
    }
}

/// `whole_values` worked out from the regex's syntax tree.
pub(super) fn whole_values_fresh(re: &str) -> Option<Vec<String>> {
    use regex_syntax::hir::{HirKind, Look};
    let hir = super::syntax::parse(re)?;
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let [first, middle @ .., last] = parts.as_slice() else {
        return None;
    };
    if first.kind() != &HirKind::Look(Look::Start) || last.kind() != &HirKind::Look(Look::End) {
        return None;
    }
    let mut values = vec![String::new()];
    for part in middle {
        values = product(&values, &spelled(part)?)?;
    }
    values.sort();
    values.dedup();
    Some(values)
}

/// At most this many values make a table (a set of words, not a pattern).
const MAX_VALUES: usize = 64;

/// The texts `hir` matches, when it matches a few spelled-out ones and
/// holds no assertion.
fn spelled(hir: &regex_syntax::hir::Hir) -> Option<Vec<String>> {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty => Some(vec![String::new()]),
        HirKind::Literal(lit) => Some(vec![String::from_utf8(lit.0.to_vec()).ok()?]),
        HirKind::Class(Class::Unicode(c)) => {
            let mut out = Vec::new();
            for r in c.iter() {
                for cp in u32::from(r.start())..=u32::from(r.end()) {
                    out.push(char::from_u32(cp)?.to_string());
                    if out.len() > MAX_VALUES {
                        return None;
                    }
                }
            }
            Some(out)
        }
        HirKind::Capture(cap) => spelled(&cap.sub),
        // `x?`, `x{2}`, `x{1,3}`: each count of copies spelled out.
        HirKind::Repetition(rep) if rep.max.is_some_and(|max| max <= 4) => {
            let one = spelled(&rep.sub)?;
            let mut copies = vec![String::new()];
            let mut out = Vec::new();
            for n in 0..=rep.max.unwrap_or(0) {
                if n >= rep.min {
                    out.extend(copies.iter().cloned());
                }
                if n < rep.max.unwrap_or(0) {
                    copies = product(&copies, &one)?;
                }
            }
            (out.len() <= MAX_VALUES).then_some(out)
        }
        HirKind::Concat(parts) => parts
            .iter()
            .try_fold(vec![String::new()], |acc, p| product(&acc, &spelled(p)?)),
        HirKind::Alternation(alts) => {
            let mut out = Vec::new();
            for a in alts {
                out.extend(spelled(a)?);
            }
            (out.len() <= MAX_VALUES).then_some(out)
        }
        _ => None,
    }
}

/// Each of `a` followed by each of `b`, if there are not too many.
fn product(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len().saturating_mul(b.len()) > MAX_VALUES {
        return None;
    }
    Some(
        a.iter()
            .flat_map(|x| b.iter().map(move |y| format!("{x}{y}")))
            .collect(),
    )
}

/// A rule's signal: fixed when written as a name, else rendered and looked
/// up in the grammar's `[states]` table.
#[derive(Debug, Clone)]
enum SignalTemplate {
    Fixed(Signal),
    Mapped(Template),
}

/// One field's conditions across all rules.
#[derive(Debug, Clone)]
struct FieldSet {
    field: String,
    /// The conditions that are not `values`' (`None`: there are none).
    set: Option<RegexSet>,
    /// For each regex in `set`, the rule it belongs to (a rule has one
    /// condition a field, so each rule once).
    owners: Vec<usize>,
    /// For each whole value some conditions name, the rules they belong to.
    values: rustc_hash::FxHashMap<String, Vec<usize>>,
}

/// A grammar's compiled rules.
#[derive(Debug, Clone)]
pub struct Classifier {
    rules: Vec<Rule>,
    fields: Vec<FieldSet>,
    /// Whether sets none of whose rules can still be chosen are skipped
    /// (always, but for the reference the tests compare against).
    prune: bool,
    /// The grammar's words for typed states (`CRITICAL` → `down`).
    states: BTreeMap<String, Signal>,
}

/// The classification of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub kind: Kind,
    pub subject: Option<String>,
    pub state: Option<String>,
    pub summary: Option<String>,
    pub signal: Option<Signal>,
    /// Who did it and the command, when the rule says.
    pub operator: Option<Operator>,
    /// Every user name the matched rule read (captures or fields named in
    /// `USER_FIELDS`, and its operator): what `--redact` hides.
    pub users: Vec<String>,
}

/// The capture and field names that hold a user name: what a grammar marks
/// as a user (`(?P<user>...)`, Nagios' `author`, a JSON line's `user`).
pub const USER_FIELDS: &[&str] = &["user", "username", "author"];

impl Class {
    /// What a record no rule matches is: `info`, with nothing else.
    pub fn info() -> Class {
        Class {
            kind: Kind::Info,
            subject: None,
            state: None,
            summary: None,
            signal: None,
            operator: None,
            users: Vec::new(),
        }
    }
}

impl Classifier {
    /// Compile rules with no `[states]` table.
    pub fn compile(specs: &[RuleSpec]) -> Result<Classifier, String> {
        Classifier::compile_with(specs, &BTreeMap::new(), true)
    }

    /// Compile rules and the grammar's `[states]` table (word → signal
    /// name); `now`: each rule's own regexes too, not on first use.
    pub fn compile_with(
        specs: &[RuleSpec],
        words: &BTreeMap<String, String>,
        now: bool,
    ) -> Result<Classifier, String> {
        Self::compile_tables(specs, words, now, true)
    }

    /// `tables_too`: conditions on whole values as tables
    /// (`whole_values`), and sets skipped once none of their rules can be
    /// chosen; without, every condition is in its field's set and every
    /// set runs (the reference both are tested against).
    fn compile_tables(
        specs: &[RuleSpec],
        words: &BTreeMap<String, String>,
        now: bool,
        tables_too: bool,
    ) -> Result<Classifier, String> {
        let states = words
            .iter()
            .map(|(w, n)| {
                n.parse::<Signal>()
                    .map(|s| (w.clone(), s))
                    .map_err(|e| format!("[states] {w}: {e}"))
            })
            .collect::<Result<BTreeMap<_, _>, String>>()?;
        let mut rules = Vec::new();
        type Conds = (
            Vec<String>,
            Vec<usize>,
            rustc_hash::FxHashMap<String, Vec<usize>>,
        );
        let mut by_field: BTreeMap<String, Conds> = BTreeMap::new();
        for (k, spec) in specs.iter().enumerate() {
            let tpl = |t: &Option<String>| t.as_deref().map(Template::parse).transpose();
            let mut conds = Vec::new();
            let mut deferred = Vec::new();
            let mut eager = 0;
            let mut tables = 0;
            let has_anchor = spec.when.values().any(|re| anchored(re));
            for (field, re) in &spec.when {
                let cond = Cond::new(field, re, now)
                    .map_err(|e| format!("rule {}: regex for field {field:?}: {e}", k + 1))?;
                conds.push(cond);
                if has_anchor && !anchored(re) {
                    deferred.push(conds.len() - 1);
                    continue;
                }
                eager += 1;
                let entry = by_field.entry(field.clone()).or_default();
                match whole_values(re).filter(|_| tables_too) {
                    Some(values) => {
                        tables += 1;
                        for v in values {
                            entry.2.entry(v).or_default().push(k);
                        }
                    }
                    None => {
                        entry.0.push(re.clone());
                        entry.1.push(k);
                    }
                }
            }
            rules.push(Rule {
                kind: spec.kind,
                subject: tpl(&spec.subject).map_err(|e| format!("rule {}: {e}", k + 1))?,
                state: tpl(&spec.state).map_err(|e| format!("rule {}: {e}", k + 1))?,
                summary: tpl(&spec.summary).map_err(|e| format!("rule {}: {e}", k + 1))?,
                signal: signal_template(spec.signal.as_deref(), &states)
                    .map_err(|e| format!("rule {}: {e}", k + 1))?,
                operator: OperatorTemplates {
                    user: tpl(&spec.operator).map_err(|e| format!("rule {}: {e}", k + 1))?,
                    session: tpl(&spec.operator_session)
                        .map_err(|e| format!("rule {}: {e}", k + 1))?,
                    command: tpl(&spec.operator_command)
                        .map_err(|e| format!("rule {}: {e}", k + 1))?,
                },
                conds,
                eager,
                tables,
                deferred,
            });
        }
        let mut fields = by_field
            .into_iter()
            .map(|(field, (res, owners, values))| {
                let set = match res.is_empty() {
                    true => None,
                    false => Some(
                        super::syntax::set(&res, now)
                            .map_err(|e| format!("rules on {field:?}: {e}"))?,
                    ),
                };
                Ok(FieldSet {
                    field,
                    set,
                    owners,
                    values,
                })
            })
            .collect::<Result<Vec<FieldSet>, String>>()?;
        fields.sort_by_cached_key(|fs| (std::cmp::Reverse(selectivity(fs)), fs.field.clone()));
        Ok(Classifier {
            rules,
            fields,
            prune: tables_too,
            states,
        })
    }

    /// Classify a record; `host` is the source's host for `{host}` when the
    /// record has no host field. No rule matching gives `info`.
    pub fn classify(&self, rec: &Record, host: Option<&str>) -> Class {
        // Most lines match no rule: a set's `is_match` rejects them in one
        // scan before `matches` tracks every pattern.
        let mut small = [0u8; 64];
        let mut large = Vec::new();
        let hits: &mut [u8] = if self.rules.len() <= small.len() {
            &mut small[..self.rules.len()]
        } else {
            large.resize(self.rules.len(), 0u8);
            &mut large
        };
        for fs in self.fields.iter().filter(|fs| !fs.values.is_empty()) {
            let Some(value) = rec.get(&fs.field) else {
                continue;
            };
            for &k in fs.values.get(value).into_iter().flatten() {
                hits[k] = hits[k].saturating_add(1);
            }
        }
        // A rule that missed one condition cannot be chosen: a set none
        // of whose rules still can be is not run. Sets with the most
        // selective regexes run first (`selectivity`), so a Nagios
        // command's name rules out its catch-all arguments.
        let mut dead_small = [false; 64];
        let mut dead_large = Vec::new();
        let dead: &mut [bool] = if self.rules.len() <= dead_small.len() {
            &mut dead_small[..self.rules.len()]
        } else {
            dead_large.resize(self.rules.len(), false);
            &mut dead_large
        };
        for fs in &self.fields {
            let Some(set) = &fs.set else {
                continue;
            };
            // (A rule's count only grows from here, so `>=` never drops
            // one whose tables all held.)
            if self.prune
                && !fs
                    .owners
                    .iter()
                    .any(|&k| !dead[k] && usize::from(hits[k]) >= self.rules[k].tables)
            {
                continue;
            }
            let matched = match rec.get(&fs.field).and_then(|v| set.matching(v)) {
                Some(m) => m,
                None => {
                    for &k in &fs.owners {
                        dead[k] = true;
                    }
                    continue;
                }
            };
            for (m, &k) in fs.owners.iter().enumerate() {
                match matched.matched(m) {
                    true => hits[k] = hits[k].saturating_add(1),
                    false => dead[k] = true,
                }
            }
        }
        let chosen = self
            .rules
            .iter()
            .zip(hits.iter())
            .find(|(r, &h)| {
                h as usize == r.eager
                    && !r.conds.is_empty()
                    && r.deferred
                        .iter()
                        .map(|&i| &r.conds[i])
                        .all(|c| rec.get(&c.field).is_some_and(|v| c.is_match(v)))
            })
            .map(|(r, _)| r);
        let Some(rule) = chosen else {
            return Class::info();
        };
        // Named groups' values, borrowed from the record's fields.
        let mut caps: Vec<(&str, &str)> = Vec::new();
        for cond in rule.conds.iter().filter(|c| c.named) {
            cond.captures_into(rec.get(&cond.field).unwrap_or(""), &mut caps);
        }
        let lookup = |name: &str| -> Option<&str> {
            caps.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v)
                .or_else(|| rec.get(name))
                .or(if name == "host" { host } else { None })
        };
        let signal = match &rule.signal {
            Some(SignalTemplate::Fixed(s)) => Some(*s),
            Some(SignalTemplate::Mapped(t)) => {
                let word = t.render(&lookup);
                self.states
                    .get(&word)
                    .copied()
                    .or_else(|| word.parse().ok())
            }
            None => match rule.kind {
                Kind::Fault => Some(Signal::Health(Health::Down)),
                Kind::Recovery => Some(Signal::Health(Health::Ok)),
                _ => None,
            },
        };
        let operator = operator(&rule.operator, &lookup);
        let users = users(&operator, &lookup);
        Class {
            kind: rule.kind,
            subject: rule.subject.as_ref().map(|t| t.render(&lookup)),
            state: rule.state.as_ref().map(|t| t.render(&lookup)),
            summary: rule.summary.as_ref().map(|t| t.render(&lookup)),
            signal,
            operator,
            users,
        }
    }
}

/// The operator fields a rule names, rendered; `None` when it names none
/// or none of their fields is present.
fn operator<'a>(
    o: &OperatorTemplates,
    lookup: &impl Fn(&str) -> Option<&'a str>,
) -> Option<Operator> {
    let r = |t: &Option<Template>| t.as_ref().and_then(|t| t.render_opt(lookup));
    let op = Operator {
        user: r(&o.user),
        session: r(&o.session),
        command: r(&o.command),
    };
    (op != Operator::default()).then_some(op)
}

/// The user names a matched rule read: its operator, then every capture or
/// field named in `USER_FIELDS`, each once, empty ones left out.
fn users<'a>(op: &Option<Operator>, lookup: &impl Fn(&str) -> Option<&'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let found = op
        .as_ref()
        .and_then(|o| o.user.as_deref())
        .into_iter()
        .chain(USER_FIELDS.iter().filter_map(|f| lookup(f)));
    for u in found {
        let u = u.trim();
        if !u.is_empty() && !out.iter().any(|x| x == u) {
            out.push(u.to_string());
        }
    }
    out
}

/// A literal signal is checked now; a template is checked against the
/// `[states]` table when the rule fires.
fn signal_template(
    s: Option<&str>,
    states: &BTreeMap<String, Signal>,
) -> Result<Option<SignalTemplate>, String> {
    let Some(s) = s else { return Ok(None) };
    if !s.contains('{') {
        let sig = states
            .get(s)
            .copied()
            .map(Ok)
            .unwrap_or_else(|| s.parse())?;
        return Ok(Some(SignalTemplate::Fixed(sig)));
    }
    if states.is_empty() {
        return Err(format!(
            "signal {s:?} is a template but the grammar has no [states] table to map its words"
        ));
    }
    Ok(Some(SignalTemplate::Mapped(Template::parse(s)?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn rec<'a>(fields: &[(&'a str, &'a str)]) -> Record<'a> {
        Record {
            line: 1,
            pattern: "p",
            fields: fields
                .iter()
                .map(|(k, v)| (*k, Cow::Borrowed(*v)))
                .collect(),
            stamp: None,
        }
    }

    fn spec(toml_src: &str) -> Vec<RuleSpec> {
        #[derive(Deserialize)]
        struct W {
            rule: Vec<RuleSpec>,
        }
        toml::from_str::<W>(toml_src).unwrap().rule
    }

    #[test]
    fn first_matching_rule_wins_and_fills_templates() {
        let c = Classifier::compile(&spec(
            r#"
            [[rule]]
            kind = "fault"
            subject = "{host} {iface}"
            state = "{state}"
            summary = "{iface} went {state}"
            when.mnemonic = '^UPDOWN$'
            when.msg = 'Interface (?P<iface>[^,]+), changed state to (?P<state>down)'
            [[rule]]
            kind = "recovery"
            subject = "{host} {iface}"
            when.mnemonic = '^UPDOWN$'
            when.msg = 'Interface (?P<iface>[^,]+), changed state to up'
            "#,
        ))
        .unwrap();
        let r = rec(&[
            ("mnemonic", "UPDOWN"),
            ("msg", "Interface Gi1/0/24, changed state to down"),
        ]);
        let k = c.classify(&r, Some("core-sw1"));
        assert_eq!(k.kind, Kind::Fault);
        assert_eq!(k.subject.as_deref(), Some("core-sw1 Gi1/0/24"));
        assert_eq!(k.summary.as_deref(), Some("Gi1/0/24 went down"));
        let r = rec(&[
            ("mnemonic", "UPDOWN"),
            ("msg", "Interface Gi1/0/24, changed state to up"),
        ]);
        assert_eq!(c.classify(&r, None).kind, Kind::Recovery);
        assert_eq!(c.classify(&r, None).subject.as_deref(), Some("? Gi1/0/24"));
        let r = rec(&[("mnemonic", "CONFIG_I"), ("msg", "x")]);
        assert_eq!(c.classify(&r, None).kind, Kind::Info);
    }

    #[test]
    fn anchoring_is_read_through_flags() {
        assert!(anchored("^kernel$"));
        assert!(anchored("(?i)^deploy"));
        assert!(anchored("(?i)(?-u)^x"));
        assert!(!anchored("(?:^a|b)"));
        assert!(!anchored("(?P<x>^a)"));
        assert!(!anchored("Interface (?P<i>\\S+)"));
    }

    /// A condition read as a table of whole values accepts exactly what
    /// its regex does: the spelled-out forms, and the ones that are not
    /// tables (unanchored, multi-line, repeated, too many values).
    #[test]
    fn whole_values_are_what_the_regex_accepts() {
        let tables = [
            ("^CRITICAL$", &["CRITICAL"][..]),
            ("^(DOWN|UNREACHABLE)$", &["DOWN", "UNREACHABLE"]),
            (
                "^(CRITICAL|WARNING|UNKNOWN)$",
                &["CRITICAL", "UNKNOWN", "WARNING"],
            ),
            ("^[Ll]ink(?: is)?$", &["Link", "Link is", "link", "link is"]),
            (r"\A(?:ab|a)\z", &["a", "ab"]),
            ("^$", &[""]),
            ("^CRIT(ICAL)?$", &["CRIT", "CRITICAL"]),
            ("^(?:ab){2}$", &["abab"]),
            ("^é$", &["é"]),
        ];
        for (re, want) in tables {
            let want: Vec<String> = want.iter().map(|w| w.to_string()).collect();
            assert_eq!(whole_values(re), Some(want), "{re}");
        }
        for re in [
            "CRITICAL",
            "^CRITICAL",
            "CRITICAL$",
            "(?m)^CRITICAL$",
            "^a{0,5}$",
            "^a+$",
            r"^\d$",
            "^(?i)critical$",
            "^[a-z][a-z]$",
            r"^a\b$",
        ] {
            assert_eq!(whole_values(re), None, "{re}");
        }
        // Every built-in condition: its table, where it has one, agrees
        // with its regex on the table's values, their neighbours, and
        // values seen in real logs.
        let mut probes: Vec<String> = [
            "",
            "OK",
            "HARD",
            "SOFT",
            "DOWN",
            "UP",
            "kernel",
            "kernel:",
            " kernel",
            "KERNEL",
            "CRITICAL ",
            "service-alert",
            "host-alert",
        ]
        .map(String::from)
        .to_vec();
        let mut tables = 0;
        for (name, src) in crate::grammar::registry::builtin_sources() {
            let g = crate::grammar::registry::load_str(src, name, "built-in").unwrap();
            for spec in &g.classifier.specs {
                for re in spec.when.values() {
                    if let Some(vs) = whole_values(re) {
                        tables += 1;
                        for v in vs {
                            probes.extend([format!("{v} "), format!("x{v}"), v.to_lowercase()]);
                            probes.push(v);
                        }
                    }
                }
            }
        }
        for (name, src) in crate::grammar::registry::builtin_sources() {
            let g = crate::grammar::registry::load_str(src, name, "built-in").unwrap();
            for spec in &g.classifier.specs {
                for re in spec.when.values() {
                    let Some(vs) = whole_values(re) else {
                        continue;
                    };
                    let rx = Regex::new(re).unwrap();
                    for p in &probes {
                        assert_eq!(vs.contains(p), rx.is_match(p), "{name}: {re} on {p:?}");
                    }
                }
            }
        }
        assert!(tables > 20, "{tables} built-in conditions are tables");
    }

    /// Every file under `fixtures/` and `../shared/corpora`, sorted; the
    /// corpora must be there under `CI=true`, and are skipped with a word
    /// elsewhere.
    fn fixture_and_corpus_files() -> Vec<std::path::PathBuf> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = vec![root.join("fixtures")];
        let corpora = root.join("../shared/corpora");
        match corpora.is_dir() {
            true => dirs.push(corpora),
            false if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("../shared/corpora is missing, and CI=true: CI always has it")
            }
            false => eprintln!("SKIP corpora: ../shared/corpora not found"),
        }
        let mut files = Vec::new();
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                match p.is_dir() {
                    true => dirs.push(p),
                    false => files.push(p),
                }
            }
        }
        files.sort();
        files
    }

    /// Tables of whole values and the sets skipped classify every line of
    /// every fixture and corpus file as running every set does, for every
    /// built-in grammar that reads it.
    #[test]
    fn tables_classify_as_the_sets_alone_do() {
        let files = fixture_and_corpus_files();
        let reg = crate::grammar::registry::Registry::builtin().unwrap();
        let pairs: Vec<_> = reg
            .all()
            .into_iter()
            .map(|g| {
                let l = &g.classifier;
                let with = Classifier::compile_tables(&l.specs, &l.states, false, true).unwrap();
                let without =
                    Classifier::compile_tables(&l.specs, &l.states, false, false).unwrap();
                (g, with, without)
            })
            .collect();
        let (mut lines, mut kept) = (0, 0);
        for f in &files {
            let Ok(bytes) = std::fs::read(f) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            for line in text.lines() {
                for (g, with, without) in &pairs {
                    let crate::grammar::Form::Lines(_) = g.form else {
                        continue;
                    };
                    let Ok(rec) = g.parse_line(line, 1) else {
                        continue;
                    };
                    let a = with.classify(&rec, Some("h"));
                    assert_eq!(
                        a,
                        without.classify(&rec, Some("h")),
                        "{}: {} on {line:?}",
                        f.display(),
                        g.name
                    );
                    lines += 1;
                    kept += usize::from(a.kind != Kind::Info || a.summary.is_some());
                }
            }
        }
        assert!(
            lines > 20_000 && kept > 2_000,
            "{lines} records, {kept} classified"
        );
    }

    /// Every condition's ASCII twin answers as its Unicode regex does —
    /// whether it matches, and every named group's text — on the value
    /// it is asked about for every line of every fixture and corpus file
    /// that a built-in grammar reads; and every field set's twins pick the
    /// same regexes as its Unicode set (issue 16).
    #[test]
    fn ascii_twins_answer_as_unicode_regexes_do() {
        let files = fixture_and_corpus_files();
        let reg = crate::grammar::registry::Registry::builtin().unwrap();
        let compiled: Vec<_> = reg
            .all()
            .into_iter()
            .filter(|g| matches!(g.form, crate::grammar::Form::Lines(_)))
            .map(|g| {
                let l = &g.classifier;
                let c = Classifier::compile_tables(&l.specs, &l.states, false, true).unwrap();
                let sets: Vec<Vec<Regex>> = c
                    .fields
                    .iter()
                    .map(|fs| match &fs.set {
                        Some(set) => set
                            .patterns()
                            .iter()
                            .map(|p| Regex::new(p).unwrap())
                            .collect(),
                        None => Vec::new(),
                    })
                    .collect();
                (g, c, sets)
            })
            .collect();
        let unicode = |rx: &Regex, v: &str| -> Option<Vec<(String, String)>> {
            let c = rx.captures(v)?;
            Some(
                rx.capture_names()
                    .flatten()
                    .filter_map(|n| c.name(n).map(|m| (n.to_string(), m.as_str().to_string())))
                    .collect(),
            )
        };
        let (mut values, mut twinned, mut captured) = (0, 0, 0);
        for f in &files {
            let Ok(bytes) = std::fs::read(f) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            for line in text.lines() {
                for (g, c, sets) in &compiled {
                    let Ok(rec) = g.parse_line(line, 1) else {
                        continue;
                    };
                    for cond in c.rules.iter().flat_map(|r| &r.conds) {
                        let Some(v) = rec.get(&cond.field) else {
                            continue;
                        };
                        values += 1;
                        twinned += usize::from(cond.twin(v).is_some());
                        let want = unicode(cond.rx(), v);
                        assert_eq!(cond.is_match(v), want.is_some(), "{}: {v:?}", cond.source);
                        let mut got = Vec::new();
                        cond.captures_into(v, &mut got);
                        let got: Vec<(String, String)> = got
                            .iter()
                            .map(|(n, t)| (n.to_string(), t.to_string()))
                            .collect();
                        captured += usize::from(!got.is_empty());
                        assert_eq!(got, want.unwrap_or_default(), "{}: {v:?}", cond.source);
                    }
                    for (fs, rxs) in c.fields.iter().zip(sets) {
                        let (Some(set), Some(v)) = (&fs.set, rec.get(&fs.field)) else {
                            continue;
                        };
                        let want: Vec<usize> =
                            (0..rxs.len()).filter(|&k| rxs[k].is_match(v)).collect();
                        let got = set.matching(v).map(|m| m.iter().collect::<Vec<_>>());
                        assert_eq!(got.unwrap_or_default(), want, "{}: {v:?}", fs.field);
                    }
                }
            }
        }
        assert!(
            values > 100_000 && twinned * 10 > values * 9 && captured > 500,
            "{values} values, {twinned} through twins, {captured} with captures"
        );
    }

    /// Every built-in field set's Unicode set builds: it is built on the
    /// first non-ASCII value a run meets, where it must not fail.
    #[test]
    fn every_builtin_set_builds() {
        let mut twins = 0;
        for (name, src) in crate::grammar::registry::builtin_sources() {
            let g = crate::grammar::registry::load_str(src, name, "built-in").unwrap();
            let lazy = &g.classifier;
            let c = Classifier::compile_with(&lazy.specs, &lazy.states, false).unwrap();
            for set in c.fields.iter().filter_map(|fs| fs.set.as_ref()) {
                set.build_unicode();
                twins += usize::from(set.has_ascii_twin());
            }
        }
        assert!(twins > 15, "{twins} sets with ASCII twins");
    }

    /// Built-in rules' own regexes are compiled on first use (`Cond`):
    /// here every one is compiled, so none can fail in a run.
    #[test]
    fn every_builtin_rule_compiles() {
        for (name, src) in crate::grammar::registry::builtin_sources() {
            let g = crate::grammar::registry::load_str(src, name, "built-in").unwrap();
            let lazy = &g.classifier;
            let c = Classifier::compile_with(&lazy.specs, &lazy.states, true)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let n: usize = c.rules.iter().map(|r| r.conds.len()).sum();
            assert!(c
                .rules
                .iter()
                .all(|r| r.conds.iter().all(|c| c.rx.get().is_some())));
            // A condition skipped for captures has none to give.
            for cond in c.rules.iter().flat_map(|r| &r.conds) {
                let names = cond.rx().capture_names().flatten().count();
                assert!(cond.named || names == 0, "{name}: {}", cond.source);
            }
            assert!(n > 0 || lazy.specs.is_empty(), "{name}");
        }
    }

    #[test]
    fn deferred_conditions_still_decide() {
        let c = Classifier::compile(&spec(
            r#"
            [[rule]]
            kind = "fault"
            subject = "{iface}"
            when.tag = '^kernel$'
            when.msg = '(?P<iface>eth\d+): Link is Down'
            "#,
        ))
        .unwrap();
        let hit = rec(&[("tag", "kernel"), ("msg", "[1.2] eth0: Link is Down")]);
        assert_eq!(c.classify(&hit, None).subject.as_deref(), Some("eth0"));
        let wrong_tag = rec(&[("tag", "sshd"), ("msg", "eth0: Link is Down")]);
        assert_eq!(c.classify(&wrong_tag, None).kind, Kind::Info);
        let wrong_msg = rec(&[("tag", "kernel"), ("msg", "eth0: Link is Up")]);
        assert_eq!(c.classify(&wrong_msg, None).kind, Kind::Info);
    }

    /// A template renders its literals, values, defaults and `?` gaps in
    /// order, with up to 16 parts or more (the long path).
    #[test]
    fn templates_render_every_part_in_order() {
        let lookup = |name: &str| match name {
            "host" => Some("sw1"),
            "empty" => Some(""),
            _ => None,
        };
        let t = Template::parse("{host} is {state|down} on {port}{empty}.").unwrap();
        assert_eq!(t.render(&lookup), "sw1 is down on ?.");
        assert_eq!(t.render_opt(&lookup), None);
        let long: String = (0..20).map(|i| format!("<{i}>{{host}}")).collect();
        let want: String = (0..20).map(|i| format!("<{i}>sw1")).collect();
        let t = Template::parse(&long).unwrap();
        assert_eq!(t.parts.len(), 40);
        assert_eq!(t.render(&lookup), want);
        let t = Template::parse("{host}").unwrap();
        assert_eq!(t.render(&lookup), "sw1");
        assert_eq!(Template::parse("").unwrap().render(&lookup), "");
    }

    #[test]
    fn bad_regex_and_template_are_errors() {
        let e = Classifier::compile(&spec("[[rule]]\nkind='fault'\nwhen.msg='('\n")).unwrap_err();
        assert!(e.starts_with("rule 1: regex for field \"msg\""), "{e}");
        let e = Classifier::compile(&spec(
            "[[rule]]\nkind='fault'\nsubject='{a'\nwhen.msg='x'\n",
        ))
        .unwrap_err();
        assert!(e.contains("unclosed"), "{e}");
    }
}

/// A grammar's classifier, compiled on first use: a run pays only for the
/// grammars its bundle uses. User grammars are compiled at load instead, so
/// their errors are reported there with the file and line.
#[derive(Debug, Clone)]
pub struct LazyClassifier {
    specs: Vec<RuleSpec>,
    states: BTreeMap<String, String>,
    cell: std::sync::OnceLock<Classifier>,
}

impl LazyClassifier {
    /// Compile now (user grammars): errors are returned.
    pub fn eager(
        specs: Vec<RuleSpec>,
        states: BTreeMap<String, String>,
    ) -> Result<LazyClassifier, String> {
        let c = Classifier::compile_with(&specs, &states, true)?;
        let cell = std::sync::OnceLock::new();
        let _ = cell.set(c);
        Ok(LazyClassifier {
            specs,
            states,
            cell,
        })
    }

    /// Compile on first use (built-in grammars, whose rules the test suite
    /// compiles and checks).
    pub fn lazy(specs: Vec<RuleSpec>, states: BTreeMap<String, String>) -> LazyClassifier {
        LazyClassifier {
            specs,
            states,
            cell: std::sync::OnceLock::new(),
        }
    }

    /// The rules as written.
    pub fn specs(&self) -> &[RuleSpec] {
        &self.specs
    }

    pub fn get(&self) -> &Classifier {
        self.cell.get_or_init(|| {
            Classifier::compile_with(&self.specs, &self.states, false)
                .unwrap_or_else(|e| panic!("built-in grammar rules: {e}"))
        })
    }

    pub fn classify(&self, rec: &Record, host: Option<&str>) -> Class {
        self.get().classify(rec, host)
    }
}
