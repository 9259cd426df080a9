//! One parse of each rule regex, shared by everything that reads its syntax.
//!
//! A grammar's rules are read three ways before a line is classified: for
//! the prefilter's words (`keywords`), for the conditions that are tables
//! of whole values and the order their fields are tried in (`rules`), and
//! by the regex engine building each field's set. On the bench bundle's
//! four grammars that was 446 parses of the same 175 regexes plus the
//! sets' own, about 30 M instructions of a run's start (issue 16). The
//! syntax tree is now parsed once a process and handed to the set builder.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use regex_syntax::hir::Hir;

/// Each regex's tree, or `None` when it does not parse.
type Memo = HashMap<Box<str>, Option<Arc<Hir>>>;

static MEMO: LazyLock<Mutex<Memo>> = LazyLock::new(Default::default);
static MEMO_ASCII: LazyLock<Mutex<Memo>> = LazyLock::new(Default::default);

/// The syntax tree of `re` as `regex` itself reads it (Unicode, UTF-8, no
/// flags: the defaults both share), parsed at most once a process. The
/// regexes are a grammar's, a bounded set, so the memo is never emptied.
pub fn parse(re: &str) -> Option<Arc<Hir>> {
    memo(&MEMO, re, || regex_syntax::Parser::new().parse(re).ok())
}

/// The tree of `re` read without Unicode, over bytes, when it has an ASCII
/// twin (`ascii_twin`): for ASCII texts it matches as `parse`'s tree does,
/// and its automata are a fraction of the size (`\S`, `.` and `[^,]` are a
/// few byte ranges instead of every code point's UTF-8 forms). Compiling a
/// bench run's rule regexes took 67 M instructions with Unicode; most of
/// the texts they run on are ASCII (issue 16).
pub fn parse_ascii(re: &str) -> Option<Arc<Hir>> {
    if !ascii_twin(re) {
        return None;
    }
    memo(&MEMO_ASCII, re, || {
        regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(re)
            .ok()
    })
}

fn memo(memo: &Mutex<Memo>, re: &str, parse: impl FnOnce() -> Option<Hir>) -> Option<Arc<Hir>> {
    // A poisoned lock only means another thread panicked mid-insert; the
    // map itself is whole.
    let mut memo = memo.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(hir) = memo.get(re) {
        return hir.clone();
    }
    let hir = parse().map(Arc::new);
    memo.insert(re.into(), hir.clone());
    hir
}

/// Whether `re`, read without Unicode, answers every ASCII text as it does
/// with Unicode: its text is ASCII and names no code point by number. On an
/// ASCII text the two readings differ only through what Unicode adds that
/// is not ASCII (`\w`'s letters, `.`'s multi-byte characters, `(?i)`'s `ſ`
/// for `s` and Kelvin sign for `k`), which such a text cannot hold. The
/// exception is a non-ASCII character in the regex that folds to an ASCII
/// one (`(?i)\x{212A}` matches `k` only with Unicode); no such regex has a
/// twin. A regex that needs Unicode (`\p{L}`) fails to parse without it
/// and has none either.
pub fn ascii_twin(re: &str) -> bool {
    re.is_ascii() && !re.contains("\\x") && !re.contains("\\u") && !re.contains("\\U")
}

/// A set of regexes as `regex::RegexSet::new` builds it, from the trees
/// `parse` already holds: the same engine and configuration
/// (`regex` 1.x's `build_many_string`) but for the literal prefilter
/// (`build`), so the same matches. With an ASCII
/// twin for every regex, ASCII texts are answered by the twins' set, and
/// the Unicode one is parsed and built on the first other text; `now`: at
/// once (user grammars, whose errors are reported at load; every built-in
/// set is built by the tests). Most runs read only ASCII, and the Unicode
/// parse of a small bundle's rule regexes was 14 % of its run (issue 16).
pub fn set(res: &[String], now: bool) -> Result<RegexSet, String> {
    // A twins' set that does not build leaves every text to the Unicode
    // one: errors are the Unicode reading's, as `RegexSet::new` gives them.
    let ascii = res
        .iter()
        .map(|re| parse_ascii(re))
        .collect::<Option<Vec<_>>>()
        .and_then(|twins| build(&twins, false).ok());
    let unicode = std::sync::OnceLock::new();
    if now || ascii.is_none() {
        let _ = unicode.set(build(&unicode_trees(res)?, true)?);
    }
    Ok(RegexSet {
        ascii,
        unicode,
        patterns: res.to_vec(),
    })
}

/// Each regex's Unicode tree, or the parser's own message for the first
/// that does not parse, as `RegexSet::new` would give it.
fn unicode_trees(res: &[String]) -> Result<Vec<Arc<Hir>>, String> {
    res.iter()
        .map(|re| match parse(re) {
            Some(h) => Ok(h),
            None => Err(regex_syntax::Parser::new()
                .parse(re)
                .err()
                .map_or_else(|| format!("{re}: does not parse"), |e| e.to_string())),
        })
        .collect()
}

/// `regex`'s set configuration; `utf8`: as `RegexSet` (empty matches only
/// between characters), else as `bytes::RegexSet`. Without the engine's
/// literal prefilter, unlike `regex`: extracting its literals was 4.8 M
/// instructions of every run's start, and the lines a set is asked about
/// have passed the keyword prefilter (`keywords`) already; matches are the
/// same either way (issue 16).
fn build(hirs: &[Arc<Hir>], utf8: bool) -> Result<regex_automata::meta::Regex, String> {
    use regex_automata::meta;
    use regex_automata::nfa::thompson::WhichCaptures;
    let config = meta::Config::new()
        .nfa_size_limit(Some(10 * (1 << 20)))
        .hybrid_cache_capacity(2 * (1 << 20))
        .match_kind(regex_automata::MatchKind::All)
        .auto_prefilter(false)
        .utf8_empty(utf8)
        .which_captures(WhichCaptures::None);
    meta::Builder::new()
        .configure(config)
        .build_many_from_hir(hirs)
        .map_err(|e| e.to_string())
}

/// The regexes of one field's conditions, run together.
#[derive(Debug, Clone)]
pub struct RegexSet {
    /// The ASCII twins' set (`parse_ascii`), when every regex has a twin.
    ascii: Option<regex_automata::meta::Regex>,
    unicode: std::sync::OnceLock<regex_automata::meta::Regex>,
    patterns: Vec<String>,
}

impl RegexSet {
    /// The set that answers `text` as the Unicode one does.
    fn engine(&self, text: &str) -> &regex_automata::meta::Regex {
        match &self.ascii {
            Some(a) if text.is_ascii() => a,
            _ => self.unicode(),
        }
    }

    fn unicode(&self) -> &regex_automata::meta::Regex {
        // Built at load for user grammars; every built-in set is built by
        // the tests (`every_builtin_set_builds`), so this cannot fail.
        self.unicode.get_or_init(|| {
            unicode_trees(&self.patterns)
                .and_then(|hirs| build(&hirs, true))
                .unwrap_or_else(|e| panic!("rule regexes {:?}: {e}", self.patterns))
        })
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.engine(text).is_match(text)
    }

    /// Which of the regexes match `text`.
    pub fn matches(&self, text: &str) -> Matched {
        Self::which(self.engine(text), text)
    }

    /// Which of the regexes match `text`, `None` when none does: a text
    /// most sets reject is rejected by one forward scan before every
    /// pattern is tracked.
    pub fn matching(&self, text: &str) -> Option<Matched> {
        let engine = self.engine(text);
        if !engine.is_match(text) {
            return None;
        }
        // One regex that matches is all that can: no second scan.
        if engine.pattern_len() == 1 {
            let mut set = regex_automata::PatternSet::new(1);
            set.insert(regex_automata::PatternID::ZERO);
            return Some(Matched(set));
        }
        Some(Self::which(engine, text))
    }

    fn which(engine: &regex_automata::meta::Regex, text: &str) -> Matched {
        let mut set = regex_automata::PatternSet::new(engine.pattern_len());
        engine.which_overlapping_matches(&regex_automata::Input::new(text), &mut set);
        Matched(set)
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Whether ASCII texts are answered by the twins' set.
    #[cfg(test)]
    pub(crate) fn has_ascii_twin(&self) -> bool {
        self.ascii.is_some()
    }

    /// The Unicode set, built now if it was not (every built-in set must
    /// build).
    #[cfg(test)]
    pub(crate) fn build_unicode(&self) {
        self.unicode();
    }
}

/// The regexes of a set that matched a text.
#[derive(Debug)]
pub struct Matched(regex_automata::PatternSet);

impl Matched {
    /// Whether the `k`th regex of the set matched.
    pub fn matched(&self, k: usize) -> bool {
        regex_automata::PatternID::new(k).is_ok_and(|p| self.0.contains(p))
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().map(|p| p.as_usize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree `parse` gives is the one `regex` builds from, for every
    /// rule regex of every built-in grammar: the sets built from it are
    /// `RegexSet::new`'s.
    #[test]
    fn parse_reads_as_regex_does() {
        let syntax = regex_automata::util::syntax::Config::new().utf8(true);
        let mut n = 0;
        for g in crate::grammar::registry::Registry::builtin().unwrap().all() {
            for spec in g.classifier.specs() {
                for re in spec.when.values() {
                    let engine = regex_automata::util::syntax::parse_with(re, &syntax).unwrap();
                    assert_eq!(parse(re).as_deref(), Some(&engine), "{re}");
                    n += 1;
                }
            }
        }
        assert!(n > 150, "{n} regexes");
    }

    /// Same answers as `regex::RegexSet` on texts that tell Unicode
    /// classes, case folding, empty matches and anchors apart.
    #[test]
    fn sets_match_as_regex_sets_do() {
        let res: Vec<String> = [
            r"^\s*(?P<user>\S+) : .*COMMAND=(?P<cmd>.*)$",
            r"(?i)^(?:deploy(?:ed|ing)?|release) (?P<what>.+)$",
            r"(?P<iface>\b(?:eth|en)\w*): [Ll]ink (?:is )?[Dd]own",
            r"\d+",
            r"",
            r"^$",
            r"é\w",
            r"(?i)straße",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let ours = set(&res, false).unwrap();
        let theirs = regex::RegexSet::new(&res).unwrap();
        for text in [
            "",
            "  root : TTY=pts/0 ; COMMAND=/bin/ls",
            "Deployed v1.2",
            "DEPLOY",
            "eth0: Link is Down",
            "xeth0: link down",
            "٣",
            "éa",
            "éé",
            "STRASSE",
            "STRAẞE",
            "\u{FEFF}x",
        ] {
            assert_eq!(ours.is_match(text), theirs.is_match(text), "{text:?}");
            let a: Vec<usize> = ours.matches(text).iter().collect();
            let b: Vec<usize> = theirs.matches(text).iter().collect();
            assert_eq!(a, b, "{text:?}");
        }
        assert_eq!(ours.patterns(), theirs.patterns());
        assert!(set(&["(".to_string()], false).is_err());
    }

    /// A set whose regexes all have ASCII twins answers ASCII texts by the
    /// twins and every other text by the Unicode set, as `regex::RegexSet`
    /// does: texts where the two readings differ (`é` is one `.` and one
    /// `\w`, the Kelvin sign is `(?i)k`, `٣` is a `\d`) go to Unicode.
    #[test]
    fn twins_answer_ascii_texts_and_unicode_the_rest() {
        let res: Vec<String> = [
            r"^\w+$",
            r"^.$",
            r"(?i)^k",
            r"\bx\b",
            r"^\S+\s\d+$",
            r"[^,]+,",
            r"(?i)^s\W",
            r"",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let ours = set(&res, false).unwrap();
        assert!(ours.has_ascii_twin());
        let theirs = regex::RegexSet::new(&res).unwrap();
        for text in [
            "",
            "abc",
            "é",
            "x",
            "K",
            "k!",
            "\u{212A}",
            "\u{212A}x",
            "ſ ",
            "S ",
            "ab 12",
            "ab ٣",
            "a,b",
            "é,",
            "x y",
            "éx",
            "éxé",
            "a\u{a0}1",
            "a\t1",
            "\u{FEFF}",
        ] {
            let want: Vec<usize> = theirs.matches(text).iter().collect();
            assert_eq!(ours.is_match(text), theirs.is_match(text), "{text:?}");
            assert_eq!(
                ours.matches(text).iter().collect::<Vec<_>>(),
                want,
                "{text:?}"
            );
            let some = ours.matching(text).map(|m| m.iter().collect::<Vec<_>>());
            assert_eq!(some, (!want.is_empty()).then_some(want), "{text:?}");
        }
        // A set of one regex answers `matching` from `is_match` alone.
        for re in &res {
            let one = set(std::slice::from_ref(re), false).unwrap();
            let rx = regex::Regex::new(re).unwrap();
            for text in ["", "abc", "é", "K", "ab 12", "a,b", "x y", "S "] {
                let got = one.matching(text).map(|m| m.iter().collect::<Vec<_>>());
                assert_eq!(got, rx.is_match(text).then(|| vec![0]), "{re} on {text:?}");
            }
        }
        // A code point named by number may fold to ASCII: no twin.
        assert!(!ascii_twin(r"(?i)\x{212A}"));
        let kelvin = set(&[r"(?i)\x{212A}".to_string()], false).unwrap();
        assert!(!kelvin.has_ascii_twin() && kelvin.is_match("k"));
        // Unicode classes cannot be read without Unicode.
        assert!(parse_ascii(r"\p{L}").is_none() && parse(r"\p{L}").is_some());
        assert!(!set(&[r"\p{L}".to_string()], false)
            .unwrap()
            .has_ascii_twin());
    }
}
