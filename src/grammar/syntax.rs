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

/// The syntax tree of `re` as `regex` itself reads it (Unicode, UTF-8, no
/// flags: the defaults both share), parsed at most once a process. The
/// regexes are a grammar's, a bounded set, so the memo is never emptied.
pub fn parse(re: &str) -> Option<Arc<Hir>> {
    // A poisoned lock only means another thread panicked mid-insert; the
    // map itself is whole.
    let mut memo = MEMO.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(hir) = memo.get(re) {
        return hir.clone();
    }
    let hir = regex_syntax::Parser::new().parse(re).ok().map(Arc::new);
    memo.insert(re.into(), hir.clone());
    hir
}

/// A set of regexes as `regex::RegexSet::new` builds it, from the trees
/// `parse` already holds: the same engine and configuration
/// (`regex` 1.x's `build_many_string`), so the same matches.
pub fn set(res: &[String]) -> Result<RegexSet, String> {
    use regex_automata::meta;
    use regex_automata::nfa::thompson::WhichCaptures;
    let hirs = res
        .iter()
        .map(|re| match parse(re) {
            Some(h) => Ok(h),
            // The parser's own message, as `RegexSet::new` would give it.
            None => Err(regex_syntax::Parser::new()
                .parse(re)
                .err()
                .map_or_else(|| format!("{re}: does not parse"), |e| e.to_string())),
        })
        .collect::<Result<Vec<_>, String>>()?;
    let config = meta::Config::new()
        .nfa_size_limit(Some(10 * (1 << 20)))
        .hybrid_cache_capacity(2 * (1 << 20))
        .match_kind(regex_automata::MatchKind::All)
        .utf8_empty(true)
        .which_captures(WhichCaptures::None);
    let meta = meta::Builder::new()
        .configure(config)
        .build_many_from_hir(&hirs)
        .map_err(|e| e.to_string())?;
    Ok(RegexSet {
        meta,
        patterns: res.to_vec(),
    })
}

/// The regexes of one field's conditions, run together.
#[derive(Debug, Clone)]
pub struct RegexSet {
    meta: regex_automata::meta::Regex,
    patterns: Vec<String>,
}

impl RegexSet {
    pub fn is_match(&self, text: &str) -> bool {
        self.meta.is_match(text)
    }

    /// Which of the regexes match `text`.
    pub fn matches(&self, text: &str) -> Matched {
        let mut set = regex_automata::PatternSet::new(self.meta.pattern_len());
        self.meta
            .which_overlapping_matches(&regex_automata::Input::new(text), &mut set);
        Matched(set)
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
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
        let ours = set(&res).unwrap();
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
        assert!(set(&["(".to_string()]).is_err());
    }
}
