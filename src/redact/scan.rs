//! Finding identifiers in text: addresses by their shape (IPv4, IPv6,
//! MAC, e-mail), names by the evidence (`Names`: hosts, users).
//!
//! What it refuses to match, and the case that forced it: a time
//! (`21:56:10`, `04:10:00Z`) is not an IPv6 or MAC address; a dotted date
//! (`2017.02.22`) is not an IPv4 address; a port after an address
//! (`203.0.113.7:50514`) stays; a word inside a longer name (`portal` in
//! `portal_back`, `portal-web01`) is not that name; an evidence file's
//! name (`portal-web01/messages:5`, a citation) is never touched.

use super::{Class, Names};
use regex::Regex;
use std::net::Ipv6Addr;
use std::sync::OnceLock;

/// One identifier found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
    pub class: Class,
    /// What the pseudonym is keyed on: the host a FQDN belongs to, an
    /// address in canonical form, a name in its case-folded form (hosts,
    /// e-mail) or as written (users).
    pub key: String,
}

fn regex(cell: &'static OnceLock<Regex>, re: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(re).expect("built-in regex"))
}

fn email() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    regex(&R, r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
}

fn ipv4() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    regex(&R, r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
}

fn mac() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    regex(
        &R,
        r"(?i)[0-9a-f]{2}(?::[0-9a-f]{2}){5}|[0-9a-f]{2}(?:-[0-9a-f]{2}){5}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}",
    )
}

/// Runs that could be an IPv6 address: hex digits, colons, dots.
fn ipv6_run() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    regex(&R, r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")
}

fn before(s: &str, at: usize) -> Option<char> {
    s[..at].chars().next_back()
}

fn after(s: &str, at: usize) -> Option<char> {
    s[at..].chars().next()
}

/// `.` or `:` followed by an alphanumeric: the shape continues.
fn continues(s: &str, at: usize) -> bool {
    let mut it = s[at..].chars();
    matches!(it.next(), Some('.' | ':' | '-'))
        && it.next().is_some_and(|c| c.is_ascii_alphanumeric())
}

/// A fifth dotted number follows (`1.2.3.4.5` is no address); a port
/// (`:50514`) may.
fn more_dotted(s: &str, at: usize) -> bool {
    s[at..].starts_with('.') && continues(s, at)
}

/// Every identifier in `s`, sorted by position, none overlapping and none
/// inside an evidence file's name.
pub fn hits(s: &str, names: &Names) -> Vec<Hit> {
    let mut taken: Vec<(usize, usize)> = protected(s, names);
    let mut out = Vec::new();
    let mut push = |h: Hit, taken: &mut Vec<(usize, usize)>| {
        if taken.iter().any(|&(a, b)| h.start < b && a < h.end)
            || names.is_public(&s[h.start..h.end])
        {
            return;
        }
        taken.push((h.start, h.end));
        out.push(h);
    };
    // Each shape needs a byte the text may not have: skipping its search
    // then changes nothing, and most log lines have no `@` or `:`.
    let has = |b: u8| memchr::memchr(b, s.as_bytes()).is_some();
    let (at, colon, dot, dash) = (has(b'@'), has(b':'), has(b'.'), has(b'-'));
    for m in at.then(|| email().find_iter(s)).into_iter().flatten() {
        let key = m.as_str().to_ascii_lowercase();
        push(hit(m.start(), m.end(), Class::Email, key), &mut taken);
    }
    // An IPv6 address holds `::` or seven colons (`ipv6`): a line with
    // neither (a syslog line's clock has two) has none.
    let v6 = colon && (s.contains("::") || s.bytes().filter(|&b| b == b':').count() >= 7);
    for m in v6.then(|| ipv6_run().find_iter(s)).into_iter().flatten() {
        if let Some(h) = ipv6(s, m.start(), m.end()) {
            push(h, &mut taken);
        }
    }
    for m in (colon || dash || dot)
        .then(|| mac().find_iter(s))
        .into_iter()
        .flatten()
    {
        let edge_ok = !before(s, m.start())
            .is_some_and(|c| c.is_ascii_alphanumeric() || ".:-".contains(c))
            && !after(s, m.end()).is_some_and(|c| c.is_ascii_alphanumeric())
            && !continues(s, m.end());
        if edge_ok {
            let key = m.as_str().to_ascii_lowercase().replace('-', ":");
            push(hit(m.start(), m.end(), Class::Mac, key), &mut taken);
        }
    }
    for m in dot.then(|| ipv4().find_iter(s)).into_iter().flatten() {
        let octets_ok = m
            .as_str()
            .split('.')
            .all(|o| o.parse::<u16>().is_ok_and(|n| n <= 255));
        let edge_ok = !before(s, m.start()).is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
            && !after(s, m.end()).is_some_and(|c| c.is_ascii_alphanumeric())
            && !more_dotted(s, m.end());
        if octets_ok && edge_ok {
            push(
                hit(m.start(), m.end(), Class::Ip, m.as_str().to_string()),
                &mut taken,
            );
        }
    }
    for (start, end) in words(s) {
        if let Some((class, key)) = names.classify(&s[start..end]) {
            push(hit(start, end, class, key), &mut taken);
        }
    }
    out.sort_by_key(|h| h.start);
    out
}

fn hit(start: usize, end: usize, class: Class, key: String) -> Hit {
    Hit {
        start,
        end,
        class,
        key,
    }
}

/// An IPv6 address in the run `s[start..end]`: it must hold `::` or eight
/// groups (a time `21:56:10` has neither), parse, and stand alone.
fn ipv6(s: &str, start: usize, mut end: usize) -> Option<Hit> {
    while end > start && s[..end].ends_with(['.', ':']) && !s[..end].ends_with("::") {
        end -= 1;
    }
    let text = &s[start..end];
    let shaped = text.contains("::") || text.matches(':').count() == 7;
    if !shaped || !text.chars().any(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    if before(s, start).is_some_and(|c| c.is_ascii_alphanumeric())
        || after(s, end).is_some_and(|c| c.is_ascii_alphanumeric())
    {
        return None;
    }
    let addr: Ipv6Addr = text.parse().ok()?;
    Some(hit(start, end, Class::Ip, addr.to_string()))
}

/// Byte ranges of the evidence file names written in `s` (a name must not
/// be part of a longer path: `a.log` is not inside `data.log`).
fn protected(s: &str, names: &Names) -> Vec<(usize, usize)> {
    let path_char = |c: char| c.is_ascii_alphanumeric() || "_-./".contains(c);
    let mut out = Vec::new();
    for (p, finder) in names.path_finders() {
        // Non-overlapping, left to right, as `match_indices` finds them.
        for at in finder.find_iter(s.as_bytes()) {
            let end = at + p.len();
            let alone = !before(s, at).is_some_and(path_char)
                && !after(s, end).is_some_and(|c| c.is_ascii_alphanumeric() || "_-/".contains(c));
            if alone {
                out.push((at, end));
            }
        }
    }
    out
}

/// Name-shaped words: letters, digits, `_`, `-`, and dots between them
/// (`core-sw1`, `portal.servercentral.com`); a sentence's final dot is
/// not part of the word.
pub fn words(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !word(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len()
            && (word(b[i]) || (b[i] == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_alphanumeric()))
        {
            i += 1;
        }
        out.push((start, i));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names::new(
            ["core-sw1", "portal-web01", "portal"],
            ["netadmin", "kpatel"],
            ["portal.servercentral.com"],
            ["core-switch.log", "portal-web01/messages"],
        )
    }

    fn found(s: &str) -> Vec<(Class, &str)> {
        hits(s, &names())
            .into_iter()
            .map(|h| (h.class, &s[h.start..h.end]))
            .collect()
    }

    #[test]
    fn times_dates_and_versions_are_not_addresses() {
        for s in [
            "21:56:10",
            "21:56:10.455 CST",
            "2017-02-23T04:10:00Z",
            "2017.02.22",
            "HTTP/1.1 200 OK",
            "[22/Feb/2017:21:57:02.120]",
            "0/-1/-1/-1/0",
            "std::vec",
            "1.2.3.4.5",
            "999.1.1.1",
        ] {
            assert_eq!(found(s), vec![], "{s}");
        }
    }

    #[test]
    fn addresses_are_found_with_their_edges() {
        assert_eq!(
            found("203.0.113.7:50514 from (10.20.0.15)."),
            vec![(Class::Ip, "203.0.113.7"), (Class::Ip, "10.20.0.15")]
        );
        assert_eq!(
            found("fe80::1ff:fe23:4567:890a%eth0"),
            vec![(Class::Ip, "fe80::1ff:fe23:4567:890a")]
        );
        assert_eq!(
            found("peer 2001:db8::7, up"),
            vec![(Class::Ip, "2001:db8::7")]
        );
        assert_eq!(
            found("mac 00:1a:2b:3c:4d:5e ok"),
            vec![(Class::Mac, "00:1a:2b:3c:4d:5e")]
        );
        assert_eq!(
            found("mac 001a.2b3c.4d5e ok"),
            vec![(Class::Mac, "001a.2b3c.4d5e")]
        );
        assert_eq!(
            found("mail noc@corp.example.net now"),
            vec![(Class::Email, "noc@corp.example.net")]
        );
    }

    #[test]
    fn names_are_whole_words_and_citations_stay() {
        assert_eq!(
            found("netadmin on core-sw1; portal_back app01 on portal-web01 (`portal-web01/messages:5`)"),
            vec![
                (Class::User, "netadmin"),
                (Class::Host, "core-sw1"),
                (Class::Host, "portal-web01"),
            ]
        );
        assert_eq!(found("HTTP on portal."), vec![(Class::Host, "portal")]);
        assert_eq!(found("https://portal.servercentral.com/"), vec![]);
        assert_eq!(
            found("core-sw1.corp.example"),
            vec![(Class::Host, "core-sw1.corp.example")]
        );
        assert_eq!(found("Netadmin"), vec![], "user names are case-sensitive");
        assert_eq!(found("PORTAL-WEB01"), vec![(Class::Host, "PORTAL-WEB01")]);
    }
}
