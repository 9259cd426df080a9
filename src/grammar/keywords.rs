//! The words a line must contain for any of its grammar's rules to match.
//!
//! Most lines of a log match no rule. Finding that out through the rules'
//! regex sets costs a scan per field and rule family; one Aho-Corasick pass
//! over the line for the words the rules require settles it for nearly
//! every line at a fraction of the cost. The words are worked out from the
//! rules' regexes (never written by hand), so a grammar's rules and its
//! prefilter cannot drift apart.
//!
//! Soundness: a rule matches only when every one of its conditions does; a
//! condition's regex can match only a text that contains one of its
//! required factors; and in a line grammar every field a condition reads is
//! a slice of the line (`pattern`, the one synthetic field, is never used
//! as a witness of its own: a condition on it stands for the literal text
//! of the patterns it names). So a line that contains none of the chosen factors of
//! any rule cannot be classified by any rule. The scan ignores ASCII case,
//! which only lets more lines through.

use aho_corasick::AhoCorasick;
use regex_syntax::hir::{Class, Hir, HirKind};

use super::pattern::Node;
use super::rules::RuleSpec;
use super::NamedPattern;
use sieve::Sieve;

mod sieve;

/// Strings one piece of a regex is known to produce.
type Set = Vec<Vec<u8>>;

/// Most strings a finite set may hold before it is forgotten.
const MAX_SET: usize = 64;

/// Most characters of a class spelled out as alternatives.
const MAX_CLASS: usize = 8;

/// The search for the words: SIMD where the machine and the word count
/// allow it, else an automaton. Only the sieve reads text as it is; the
/// others search a lower-cased copy.
#[derive(Debug, Clone)]
enum Scan {
    Sieve(Sieve),
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

/// What the extractor knows about one piece of a regex.
#[derive(Debug, Clone, Default)]
struct Facts {
    /// Every string the piece matches, when that is a small set.
    exact: Option<Set>,
    /// Factors one of which occurs in every string the piece matches.
    required: Option<Set>,
}

/// The prefilter for a line grammar's rules.
#[derive(Debug, Clone)]
pub struct Keywords {
    scan: Scan,
    /// The factors, lower-cased, as scanned for.
    words: Vec<String>,
    /// Whether `Marks` may settle lines from a scan of many: no word may
    /// hold a line's end or be empty, so a word found in a stretch of
    /// lines lies inside one line, and every line holding a word has one
    /// found in it.
    by_stretch: bool,
}

impl Keywords {
    /// `None` when some rule has no condition with a required word (say
    /// `when.msg = '\d+'` alone): every line must then be classified in full.
    /// A condition on `pattern` requires the longest literal text of each
    /// pattern whose name it accepts.
    pub fn for_rules(specs: &[RuleSpec], patterns: &[NamedPattern]) -> Option<Keywords> {
        let mut words: Vec<Vec<u8>> = Vec::new();
        for spec in specs {
            // A rule with no conditions never matches (see `classify`).
            if spec.when.is_empty() {
                continue;
            }
            let (_, best) = spec
                .when
                .iter()
                .filter_map(|(field, re)| match field.as_str() {
                    "pattern" => pattern_words(re, patterns).map(|w| (Rank::of(&w, true, re), w)),
                    _ => required(re).map(|w| (Rank::of(&w, false, re), w)),
                })
                .max_by_key(|(rank, set)| (*rank, score(set)))?;
            words.extend(best);
        }
        Self::of(words, true)
    }

    /// The prefilter for these lower-cased words; `packed`: SIMD if it can.
    fn of(mut words: Vec<Vec<u8>>, packed: bool) -> Option<Keywords> {
        words.sort();
        words.dedup();
        // The sieve folds case in its tables and reads the text as it is.
        // Where it cannot (no AVX2, a word under three bytes, more than 64
        // words), lines are lower-cased before the scan instead of asking
        // the automaton to ignore case: a case-sensitive set of a few dozen
        // words gets aho-corasick's SIMD (Teddy) search, several times
        // faster than an automaton walking every byte.
        let teddy = || {
            aho_corasick::packed::Config::new()
                .builder()
                .extend(&words)
                .build()
        };
        let simd = match packed {
            true => Sieve::new(&words)
                .map(Scan::Sieve)
                .or_else(|| teddy().map(Scan::Packed)),
            false => None,
        };
        let scan = match simd {
            Some(scan) => scan,
            None => Scan::Automaton(
                AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                    .build(&words)
                    .ok()?,
            ),
        };
        Some(Keywords {
            scan,
            by_stretch: words
                .iter()
                .all(|w| !w.is_empty() && !w.contains(&b'\n') && !w.contains(&b'\r')),
            words: words
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect(),
        })
    }

    /// Whether some rule could match a record read from `line`.
    pub fn could_match(&self, line: &str) -> bool {
        thread_local! {
            static LOWER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        LOWER.with_borrow_mut(|buf| self.first_at(self.text(line.as_bytes(), buf), 0).is_some())
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// What the search reads of `bytes`: the bytes themselves for the
    /// sieve, which folds case in its tables; else their lower-cased copy
    /// in `lower`.
    fn text<'t>(&self, bytes: &'t [u8], lower: &'t mut Vec<u8>) -> &'t [u8] {
        match self.scan {
            Scan::Sieve(_) => bytes,
            _ => {
                lower_into(lower, bytes);
                lower
            }
        }
    }

    /// Where, in `text` (as `text` gives it) from `from`, the first word
    /// starts.
    fn first_at(&self, text: &[u8], from: usize) -> Option<usize> {
        let span = aho_corasick::Span::from(from..text.len());
        match &self.scan {
            Scan::Sieve(s) => s.find(text, from),
            Scan::Packed(p) => p.find_in(text, span).map(|m| m.start()),
            Scan::Automaton(a) => a
                .find(aho_corasick::Input::new(text).span(span))
                .map(|m| m.start()),
        }
    }
}

/// `could_match` for every line of a stretch at once: the stretch is
/// scanned in one pass (lower-cased first unless the sieve reads it), and
/// each line's verdict is whether a word starts inside it. Per line, the
/// copy, the lower-casing and the search's start cost about 550
/// instructions on a BSD syslog line, a tenth of its whole read (issue 16).
#[derive(Debug, Default)]
pub struct Marks {
    /// The stretch told last, as file offsets, when it was scanned.
    told: Option<(u64, u64)>,
    /// File offsets of the lines of the stretch holding a word: where the
    /// first word of each starts.
    hits: Vec<u64>,
    /// The first hit not before the line asked about last.
    next: usize,
    lower: Vec<u8>,
}

impl Marks {
    /// Scan whole lines (terminators included) that start at `offset` in
    /// their file; `stop` ends a line. Forget the stretch before.
    pub fn stretch(&mut self, kw: &Keywords, offset: u64, bytes: &[u8], stop: u8) {
        self.hits.clear();
        self.next = 0;
        if !kw.by_stretch {
            self.told = None;
            return;
        }
        self.told = Some((offset, offset + bytes.len() as u64));
        let text = kw.text(bytes, &mut self.lower);
        let mut at = 0;
        while let Some(h) = kw.first_at(text, at) {
            self.hits.push(offset + h as u64);
            // One hit a line is all a verdict needs.
            match memchr::memchr(stop, &text[h..]) {
                Some(e) => at = h + e + 1,
                None => break,
            }
        }
    }

    /// `could_match` of the line of `len` bytes at `offset`, when the
    /// stretch holds it; lines must be asked about in file order.
    pub fn verdict(&mut self, offset: u64, len: u32) -> Option<bool> {
        let end = offset + u64::from(len);
        let (from, to) = self.told?;
        if offset < from || end > to {
            return None;
        }
        while self.hits.get(self.next).is_some_and(|&h| h < offset) {
            self.next += 1;
        }
        Some(self.hits.get(self.next).is_some_and(|&h| h < end))
    }
}

/// `dst` becomes `src` with its ASCII letters lower-cased: what the
/// prefilter scans. With AVX2 the same loop handles 32 bytes a step instead
/// of 16, half the instructions of a pass over every byte of the input
/// (issue 16).
fn lower_into(dst: &mut Vec<u8>, src: &[u8]) {
    dst.clear();
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        unsafe { lower_avx2(dst, src) };
        return;
    }
    lower_plain(dst, src);
}

#[inline(always)]
fn lower_plain(dst: &mut Vec<u8>, src: &[u8]) {
    dst.extend(src.iter().map(u8::to_ascii_lowercase));
}

/// `lower_plain`, compiled for AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn lower_avx2(dst: &mut Vec<u8>, src: &[u8]) {
    lower_plain(dst, src);
}

/// What a line read by a pattern whose name matches `re` must contain (see
/// `node_words`). `None` when one such pattern requires no text.
fn pattern_words(re: &str, patterns: &[NamedPattern]) -> Option<Set> {
    // `^service-alert$` is a table of names: no regex to build for it
    // (43 of them in the Nagios grammar, 9 M instructions; issue 16).
    let names: Box<dyn Fn(&str) -> bool> = match super::rules::whole_values(re) {
        Some(values) => Box::new(move |name| values.iter().any(|v| v == name)),
        None => {
            let rx = regex::Regex::new(re).ok()?;
            Box::new(move |name| rx.is_match(name))
        }
    };
    let mut set = Set::new();
    for p in patterns.iter().filter(|p| names(&p.name)) {
        set.extend(node_words(p.program.nodes())?);
    }
    Some(normalise(set))
}

/// The best factor set of a node sequence: a literal outside any optional
/// group (a line the sequence reads holds it as written), or a choice each
/// of whose alternatives requires one.
fn node_words(nodes: &[Node]) -> Option<Set> {
    nodes
        .iter()
        .enumerate()
        .filter_map(|(k, n)| match n {
            // A literal before a blank is followed by a space or a tab:
            // `service ` is far rarer than `service` (Nagios' check results
            // are `PROCESS_SERVICE_CHECK_RESULT`).
            Node::Lit(s) if !s.is_empty() && matches!(nodes.get(k + 1), Some(Node::Space)) => {
                let w = lower(s.as_bytes());
                Some(vec![[&w[..], b" "].concat(), [&w[..], b"\t"].concat()])
            }
            Node::Lit(s) if !s.is_empty() => Some(vec![lower(s.as_bytes())]),
            Node::Choice(alts) => alts
                .iter()
                .map(|a| node_words(a))
                .collect::<Option<Vec<Set>>>()
                .map(|sets| normalise(sets.concat())),
            _ => None,
        })
        .max_by_key(score)
}

/// The factors, lower-cased in ASCII, one of which every match of `re`
/// contains; `None` when there is no such set worth scanning for.
pub fn required(re: &str) -> Option<Set> {
    match super::derived::known(re) {
        Some(d) => d
            .required
            .map(|set| set.iter().map(|w| w.to_vec()).collect()),
        None => required_fresh(re),
    }
}

/// `required` worked out from the regex's syntax tree (`derived` holds
/// the answers for the built-in grammars).
pub(super) fn required_fresh(re: &str) -> Option<Set> {
    let hir = super::syntax::parse(re)?;
    let f = facts(&hir);
    let set = f.required.or(f.exact)?;
    useful(&set).then_some(set)
}

/// Whether `re` accepts only a whole field equal to one of a few strings
/// (`^kernel$`, `^(?:WARNING|CRITICAL)$`): such a field names a program, a
/// host or a level, which every line of it carries, so a rule's other
/// condition, a phrase of the message, settles far more lines. In loghub's
/// `Mac_2k.log` `kernel` is on 775 of 1,999 lines and `link ` on 25; on
/// the bench bundle's `messages`, on 7.9 % of lines against 0.3 %.
fn names_a_value(re: &str) -> bool {
    match super::derived::known(re) {
        Some(d) => d.names_a_value,
        None => names_a_value_fresh(re),
    }
}

/// `names_a_value` worked out from the regex's syntax tree.
pub(super) fn names_a_value_fresh(re: &str) -> bool {
    use regex_syntax::hir::Look;
    let Some(hir) = super::syntax::parse(re) else {
        return false;
    };
    let props = hir.properties();
    props.look_set_prefix().contains(Look::Start)
        && props.look_set_suffix().contains(Look::End)
        && facts(&hir).exact.is_some()
}

/// How well a condition's words single out its rule's lines, worst first.
/// Every line a pattern reads holds the pattern's text, so a condition on
/// the pattern's name settles none of them; a field that names a value
/// (`names_a_value`) is on every line of that program, state or level,
/// which is some of the pattern's lines; a phrase of a message is on
/// fewest. Words this short (`;`, `ok`) are on nearly any line, whatever
/// they come from. A set of many words (a rule's list of phrases, each
/// spelled in every case folding) slows the scan every byte of the file
/// goes through: the Nagios grammar's 59 words were 34 without them, and
/// the bench bundle's scan 9 M instructions faster. In the bench bundle's
/// Nagios log every check result held `external command:`, the word the
/// acknowledgement rules took from their pattern instead of their
/// command's name (issue 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Short,
    Many,
    Pattern,
    Value,
    Phrase,
}

/// Shorter words than this rank `Short`.
const SHORT: usize = 4;

/// Sets of more words than this rank `Many`.
const MANY: usize = 8;

impl Rank {
    fn of(set: &Set, pattern: bool, re: &str) -> Rank {
        if set.iter().any(|w| w.len() < SHORT) {
            Rank::Short
        } else if set.len() > MANY {
            Rank::Many
        } else if pattern {
            Rank::Pattern
        } else if names_a_value(re) {
            Rank::Value
        } else {
            Rank::Phrase
        }
    }
}

/// A set helps only if none of its factors is empty (every text contains
/// the empty string).
fn useful(set: &Set) -> bool {
    set.iter().all(|w| !w.is_empty())
}

/// Prefer the set whose shortest factor is longest (fewer false hits), then
/// the smaller set.
fn score(set: &Set) -> (usize, std::cmp::Reverse<usize>) {
    let shortest = set.iter().map(Vec::len).min().unwrap_or(usize::MAX);
    (shortest, std::cmp::Reverse(set.len()))
}

fn lower(bytes: &[u8]) -> Vec<u8> {
    bytes.to_ascii_lowercase()
}

fn normalise(mut set: Set) -> Set {
    set.sort();
    set.dedup();
    set
}

fn facts(hir: &Hir) -> Facts {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Facts {
            exact: Some(vec![Vec::new()]),
            required: None,
        },
        HirKind::Literal(lit) => Facts {
            exact: Some(vec![lower(&lit.0)]),
            required: None,
        },
        HirKind::Class(class) => Facts {
            exact: class_set(class),
            required: None,
        },
        HirKind::Capture(cap) => facts(&cap.sub),
        HirKind::Repetition(rep) => {
            if rep.min == 0 {
                return Facts::default();
            }
            let inner = facts(&rep.sub);
            let exact = match (rep.min, rep.max) {
                (1, Some(1)) => inner.exact.clone(),
                _ => None,
            };
            // One or more copies: each match holds at least one copy.
            let required = inner.required.or(inner.exact.filter(useful));
            Facts { exact, required }
        }
        HirKind::Concat(parts) => concat(parts),
        HirKind::Alternation(alts) => {
            let all: Vec<Facts> = alts.iter().map(facts).collect();
            let exact = all
                .iter()
                .map(|f| f.exact.clone())
                .collect::<Option<Vec<Set>>>()
                .map(|sets| normalise(sets.concat()))
                .filter(|s| s.len() <= MAX_SET);
            // Each branch must contribute a factor of its own.
            let required = all
                .iter()
                .map(|f| {
                    f.required
                        .clone()
                        .or_else(|| f.exact.clone().filter(useful))
                })
                .collect::<Option<Vec<Set>>>()
                .map(|sets| normalise(sets.concat()));
            Facts { exact, required }
        }
    }
}

/// A class spelled out as its characters, ASCII lower-cased; `None` when it
/// has more than a few.
fn class_set(class: &Class) -> Option<Set> {
    let mut out = Vec::new();
    match class {
        Class::Unicode(c) => {
            for r in c.iter() {
                let (lo, hi) = (u32::from(r.start()), u32::from(r.end()));
                if (hi - lo) as usize >= MAX_CLASS {
                    return None;
                }
                for cp in lo..=hi {
                    let ch = char::from_u32(cp)?;
                    let mut buf = [0u8; 4];
                    out.push(lower(ch.encode_utf8(&mut buf).as_bytes()));
                    if out.len() > MAX_CLASS {
                        return None;
                    }
                }
            }
        }
        Class::Bytes(c) => {
            for r in c.iter() {
                if (r.end() - r.start()) as usize >= MAX_CLASS {
                    return None;
                }
                for b in r.start()..=r.end() {
                    out.push(lower(&[b]));
                    if out.len() > MAX_CLASS {
                        return None;
                    }
                }
            }
        }
    }
    Some(normalise(out))
}

/// A concatenation: runs of pieces with known strings are joined (their
/// cross product) into longer factors; the best factor set of any run or
/// piece is required of the whole.
fn concat(parts: &[Hir]) -> Facts {
    fn consider(set: Set, best: &mut Option<Set>) {
        if useful(&set) && best.as_ref().is_none_or(|b| score(&set) > score(b)) {
            *best = Some(set);
        }
    }
    let mut best: Option<Set> = None;
    let mut run: Set = vec![Vec::new()];
    let mut whole: Option<Set> = Some(vec![Vec::new()]);
    for part in parts {
        let f = facts(part);
        whole = match (&whole, &f.exact) {
            (Some(w), Some(e)) => product(w, e),
            _ => None,
        };
        if let Some(r) = f.required {
            consider(r, &mut best);
        }
        // A piece with unknown strings ends the run; a run that would grow
        // too large is kept as it was and a new one starts at this piece.
        match f.exact {
            Some(e) => match product(&run, &e) {
                Some(p) => run = p,
                None => consider(std::mem::replace(&mut run, e), &mut best),
            },
            None => consider(std::mem::replace(&mut run, vec![Vec::new()]), &mut best),
        }
    }
    consider(run, &mut best);
    Facts {
        exact: whole,
        required: best,
    }
}

fn product(a: &Set, b: &Set) -> Option<Set> {
    if a.len().saturating_mul(b.len()) > MAX_SET {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            out.push(s);
        }
    }
    Some(normalise(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(re: &str) -> Option<Vec<String>> {
        required(re).map(|s| {
            s.into_iter()
                .map(|w| String::from_utf8(w).unwrap())
                .collect()
        })
    }

    /// Both ways of lower-casing a stretch give `to_ascii_lowercase`'s
    /// bytes, at every length around the vector widths and every byte
    /// value, appended to nothing (the buffer is reused).
    #[test]
    fn lower_into_is_ascii_lowercase() {
        let all: Vec<u8> = (0..=255u8).cycle().take(700).collect();
        let mut dst = b"left over".to_vec();
        for start in 0..70 {
            for len in (0..140).chain([255, 256, 511, 600]) {
                let src = &all[start..(start + len).min(all.len())];
                lower_into(&mut dst, src);
                assert_eq!(dst, src.to_ascii_lowercase(), "{start} {len}");
                let mut plain = b"left over".to_vec();
                plain.clear();
                lower_plain(&mut plain, src);
                assert_eq!(plain, dst, "{start} {len}");
                dst.push(b'x');
            }
        }
    }

    /// A `pattern` condition read as a table of names picks the patterns
    /// its regex does, for every such condition of every built-in grammar.
    #[test]
    fn pattern_conditions_pick_as_their_regexes_do() {
        let reg = crate::grammar::registry::Registry::builtin().unwrap();
        let mut tables = 0;
        for g in reg.all() {
            let crate::grammar::Form::Lines(pats) = &g.form else {
                continue;
            };
            for spec in g.classifier.specs() {
                let Some(re) = spec.when.get("pattern") else {
                    continue;
                };
                let rx = regex::Regex::new(re).unwrap();
                let picked = |p: &&NamedPattern| rx.is_match(&p.name);
                let by_regex: Set = pats
                    .iter()
                    .filter(picked)
                    .map(|p| node_words(p.program.nodes()))
                    .collect::<Option<Vec<Set>>>()
                    .map(|s| normalise(s.concat()))
                    .unwrap_or_default();
                assert_eq!(
                    pattern_words(re, pats).unwrap_or_default(),
                    by_regex,
                    "{}: {re}",
                    g.name
                );
                tables += usize::from(crate::grammar::rules::whole_values(re).is_some());
            }
        }
        assert!(tables >= 40, "{tables} conditions read as tables");
    }

    #[test]
    fn literal_runs_and_small_classes_join() {
        assert_eq!(
            words(r"(?P<iface>\b(?:eth|en)\w*): (?:NIC )?[Ll]ink (?:is )?[Dd]own").unwrap(),
            ["link "]
        );
        assert_eq!(words("^kernel$").unwrap(), ["kernel"]);
        assert_eq!(
            words(r"^\s*(?P<user>\S+) : .*COMMAND=(?P<cmd>.*)$").unwrap(),
            ["command="]
        );
    }

    #[test]
    fn alternation_needs_a_factor_from_every_branch() {
        assert_eq!(
            // (?i)s also matches U+017F LONG S.
            words(r"(?i)^(?:deploy(?:ed|ing)?|release) (?P<what>.+)$").unwrap(),
            ["deploy", "release", "relea\u{17f}e"]
        );
        assert_eq!(words(r"(?:down|\d+)"), None);
        assert_eq!(words(r"CRITICAL|WARNING").unwrap(), ["critical", "warning"]);
    }

    #[test]
    fn a_whole_field_value_is_a_rules_last_choice() {
        assert!(names_a_value("^kernel$"));
        assert!(names_a_value("(?i)^(?:warning|critical)$"));
        assert!(!names_a_value("^sshd"));
        assert!(!names_a_value("kernel"));
        assert!(!names_a_value(
            r"(?i)^(?:deploy(?:ed|ing)?|release) (?P<what>.+)$"
        ));
        // (tests/prefilter.rs checks that rfc3164's link rules take `link `.)
    }

    #[test]
    fn nothing_required_is_none() {
        assert_eq!(words(r"\d+"), None);
        assert_eq!(words(r"(?:foo)?"), None);
        assert_eq!(words(r"^$"), None);
        assert_eq!(words(r".*"), None);
    }

    #[test]
    fn unicode_case_folding_keeps_every_spelling() {
        // (?i)k also matches U+212A KELVIN SIGN: both must be scanned for.
        let w = words("(?i)kelvin").unwrap();
        assert!(w.contains(&"kelvin".to_string()), "{w:?}");
        assert!(w.iter().any(|s| s.starts_with('\u{212a}')), "{w:?}");
    }

    fn regex() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just("ab".to_string()),
            Just("Down".to_string()),
            Just("[Dd]".to_string()),
            Just("[a-c]".to_string()),
            Just(r"\w".to_string()),
            Just(" ".to_string()),
            Just("^".to_string()),
            Just(r"\b".to_string()),
            Just("ſ".to_string()),
        ];
        leaf.prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 2..4).prop_map(|v| v.concat()),
                proptest::collection::vec(inner.clone(), 2..3)
                    .prop_map(|v| format!("(?:{})", v.join("|"))),
                inner.clone().prop_map(|r| format!("(?:{r})?")),
                inner.clone().prop_map(|r| format!("(?:{r})+")),
                inner.clone().prop_map(|r| format!("(?:{r}){{2}}")),
                inner.prop_map(|r| format!("(?i:{r})")),
            ]
        })
    }

    /// Lines of `text` as the reader hands them out (LF ends a line; a CR
    /// before it is not the line's), with their offsets.
    fn lines_at(text: &str) -> Vec<(u64, &str)> {
        let mut at = 0;
        let mut out = Vec::new();
        for piece in text.split_inclusive('\n') {
            if piece.ends_with('\n') {
                let line = piece.trim_end_matches('\n');
                out.push((at, line.strip_suffix('\r').unwrap_or(line)));
            }
            at += piece.len() as u64;
        }
        out
    }

    proptest::proptest! {
        /// A stretch's verdicts are each line's own, with either search,
        /// however the stretch is cut from the text.
        #[test]
        fn marks_agree_with_each_line(
            words in proptest::collection::vec("[abé\\n]{0,5}", 1..4),
            text in "[abABÉé \\r\\n]{0,120}",
            packed in proptest::bool::ANY,
            cut in 0usize..60,
        ) {
            let words: Vec<Vec<u8>> = words.into_iter().map(String::into_bytes).collect();
            let Some(kw) = Keywords::of(words.clone(), packed) else {
                return Ok(());
            };
            let lines = lines_at(&text);
            // Stretches start at line starts: cut at the line nearest `cut`.
            let split = lines.iter().map(|l| l.0 as usize).filter(|&o| o <= cut).max().unwrap_or(0);
            let end = text.rfind('\n').map_or(0, |e| e + 1);
            let mut marks = Marks::default();
            for (from, to) in [(0, split), (split, end)] {
                if from >= to {
                    continue;
                }
                marks.stretch(&kw, from as u64, &text.as_bytes()[from..to], b'\n');
                for &(at, line) in lines.iter().filter(|l| (l.0 as usize) >= from && (l.0 as usize) < to) {
                    let v = marks.verdict(at, line.len() as u32);
                    let stretchable = words.iter().all(|w| !w.is_empty() && !w.contains(&b'\n'));
                    if stretchable {
                        let lower = line.to_ascii_lowercase();
                        let holds = words.iter().any(|w| lower.as_bytes().windows(w.len()).any(|x| x == w.as_slice()));
                        proptest::prop_assert_eq!(kw.could_match(line), holds, "{:?} in {:?}", line, words);
                        proptest::prop_assert_eq!(v, Some(holds), "{:?} in {:?}", line, words);
                    } else {
                        proptest::prop_assert_eq!(v, None);
                    }
                }
            }
            // A line not in the stretch told last has no verdict from it.
            if let Some(&(at, line)) = lines.first().filter(|l| (l.0 as usize) < split) {
                proptest::prop_assert_eq!(marks.verdict(at, line.len() as u32), None);
            }
        }
    }

    proptest::proptest! {
        /// Soundness of a pattern's words: every line the pattern reads
        /// holds one, blanks of spaces and tabs after a literal included.
        /// Each piece of a pattern comes with a text it reads.
        #[test]
        fn every_line_a_pattern_reads_holds_its_words(
            items in proptest::collection::vec(
                proptest::prop_oneof![
                    (proptest::strategy::Just("ALERT:"), proptest::prop_oneof!["ALERT:", "alert:"]),
                    (proptest::strategy::Just("state"), "state|STATE"),
                    (proptest::strategy::Just(" "), "[ \t]{1,3}"),
                    (proptest::strategy::Just("{x:word}"), "[a-z0-9]{1,3}"),
                    (proptest::strategy::Just("{?up }"), "(up )?"),
                    (proptest::strategy::Just("{|on |off}"), "on |off"),
                ],
                1..6,
            ),
        ) {
            let pattern: String = items.iter().map(|(p, _)| *p).collect();
            let hay: String = items.iter().map(|(_, t)| t.as_str()).collect();
            let Ok(nodes) = crate::grammar::pattern::parse(&pattern) else {
                return Ok(());
            };
            let prog = crate::grammar::matcher::Program::new(nodes);
            if let (Some(set), Ok(_)) = (node_words(prog.nodes()), crate::grammar::matcher::run(&prog, &hay)) {
                let lower = hay.to_ascii_lowercase();
                proptest::prop_assert!(
                    set.iter().any(|w| lower.contains(std::str::from_utf8(w).unwrap())),
                    "{pattern:?} read {hay:?}, words {set:?}"
                );
            }
        }

        /// Soundness: whatever a regex matches contains one of its words.
        #[test]
        fn every_match_holds_a_required_word(
            re in regex(),
            hay in "[abcdDoOwWnNS ſs]{0,12}",
        ) {
            let rx = regex::Regex::new(&re).unwrap();
            if let (Some(set), true) = (required(&re), rx.is_match(&hay)) {
                let ac = AhoCorasick::new(&set).unwrap();
                let lower = hay.to_ascii_lowercase();
                proptest::prop_assert!(ac.is_match(&lower), "{re:?} matched {hay:?}, words {set:?}");
            }
        }
    }
}
