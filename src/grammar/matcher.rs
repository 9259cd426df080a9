//! Runs a parsed pattern against one line: the pattern compiled to a
//! sequence of nom parsers, tried left to right with no backtracking except
//! around optional groups (a PEG, so a line has at most one parse).

use super::pattern::{CapType, Node};
use crate::time::stamp::{self, Stamp};

/// What a successful match captured. Field names borrow from the pattern,
/// values from the line.
#[derive(Debug, Default)]
pub struct Captures<'a> {
    pub fields: Vec<(&'a str, &'a str)>,
    pub stamp: Option<Stamp>,
}

/// Why a line did not match: the byte offset where matching stopped (the
/// furthest any branch got), for the `column` of a parse failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoMatch {
    pub offset: usize,
}

/// Match `line` against the whole of `nodes`; trailing blanks are allowed.
pub fn run<'a>(nodes: &'a [Node], line: &'a str) -> Result<Captures<'a>, NoMatch> {
    let mut caps = Captures::default();
    let mut m = Matcher { line, furthest: 0 };
    match m.seq(nodes, 0, &mut caps) {
        Some(end) if line[end..].trim_end().is_empty() => Ok(caps),
        Some(end) => Err(NoMatch {
            offset: m.furthest.max(end),
        }),
        None => Err(NoMatch { offset: m.furthest }),
    }
}

struct Matcher<'a> {
    line: &'a str,
    furthest: usize,
}

impl<'a> Matcher<'a> {
    fn seq(&mut self, nodes: &'a [Node], mut pos: usize, caps: &mut Captures<'a>) -> Option<usize> {
        for node in nodes {
            pos = self.node(node, pos, caps)?;
            self.furthest = self.furthest.max(pos);
        }
        Some(pos)
    }

    fn node(&mut self, node: &'a Node, pos: usize, caps: &mut Captures<'a>) -> Option<usize> {
        let rest = &self.line[pos..];
        match node {
            Node::Lit(s) => rest.starts_with(s.as_str()).then(|| pos + s.len()),
            Node::Space => {
                let n = rest
                    .bytes()
                    .take_while(|&b| b == b' ' || b == b'\t')
                    .count();
                (n > 0).then_some(pos + n)
            }
            Node::Opt(inner) => {
                let (n, stamp) = (caps.fields.len(), caps.stamp);
                match self.seq(inner, pos, caps) {
                    Some(end) => Some(end),
                    None => {
                        caps.fields.truncate(n);
                        caps.stamp = stamp;
                        Some(pos)
                    }
                }
            }
            Node::Cap { name, ty } => {
                let (len, st) = capture(ty, rest)?;
                if name != "_" {
                    caps.fields.push((name.as_str(), &rest[..len]));
                }
                if let (Some(st), "ts") = (st, name.as_str()) {
                    caps.stamp = Some(st);
                }
                Some(pos + len)
            }
        }
    }
}

/// Length matched by one capture type at the start of `s`, and its stamp for
/// time types.
fn capture(ty: &CapType, s: &str) -> Option<(usize, Option<Stamp>)> {
    let len_of = |rest: &str| s.len() - rest.len();
    match ty {
        CapType::Int => nonzero(s.bytes().take_while(u8::is_ascii_digit).count()),
        CapType::Word => nonzero(s.find([' ', '\t']).unwrap_or(s.len())),
        CapType::Until(set) => Some((s.find(|c| set.contains(c)).unwrap_or(s.len()), None)),
        CapType::Rest => Some((s.trim_end_matches(['\r', '\n']).len(), None)),
        CapType::Tag => nonzero(s.find([' ', '\t', '[', ':']).unwrap_or(s.len())),
        CapType::OneOf(set) => {
            let c = s.chars().next()?;
            set.contains(c).then(|| (c.len_utf8(), None))
        }
        CapType::Abbrev => stamp::tz_abbrev(s).ok().map(|(r, _)| (len_of(r), None)),
        CapType::Bsd => stamp::bsd(s)
            .ok()
            .map(|(r, w)| (len_of(r), Some(Stamp::Wall(w)))),
        CapType::Mdy12 => stamp::mdy12(s)
            .ok()
            .map(|(r, w)| (len_of(r), Some(Stamp::Wall(w)))),
        CapType::Iso => stamp::iso(s).ok().map(|(r, st)| (len_of(r), Some(st))),
        CapType::Epoch => stamp::epoch(s).ok().map(|(r, st)| (len_of(r), Some(st))),
        CapType::STime => capture(&CapType::Bsd, s).or_else(|| capture(&CapType::Iso, s)),
    }
}

fn nonzero(n: usize) -> Option<(usize, Option<Stamp>)> {
    (n > 0).then_some((n, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::pattern::parse;

    #[test]
    fn cisco_line() {
        let p = parse("{?{seq:int}: }{?{sync:oneof('*.')}}{ts:bsd} {tz:abbrev}: %{facility:until('-')}-{severity:int}-{mnemonic:until(':')}: {msg:rest}").unwrap();
        let c = run(&p, "000123: *Feb 22 21:56:03.120 CST: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.0.5)").unwrap();
        let f: Vec<_> = c.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            f,
            [
                "seq=000123",
                "sync=*",
                "ts=Feb 22 21:56:03.120",
                "tz=CST",
                "facility=SYS",
                "severity=5",
                "mnemonic=CONFIG_I",
                "msg=Configured from console by admin on vty0 (10.0.0.5)"
            ]
        );
        assert!(matches!(c.stamp, Some(Stamp::Wall(_))));
        // Without sequence number and sync marker.
        let c = run(&p, "Feb 22 21:56:03 CST: %LINK-3-UPDOWN: x").unwrap();
        assert_eq!(c.fields[0], ("ts", "Feb 22 21:56:03"));
    }

    #[test]
    fn failure_reports_furthest_offset() {
        let p = parse("[{ts:epoch}] SERVICE ALERT: {rest:rest}").unwrap();
        let e = run(&p, "[1487822220] HOST ALERT: x").unwrap_err();
        assert_eq!(e.offset, 13);
        let e = run(&p, "garbage").unwrap_err();
        assert_eq!(e.offset, 0);
    }

    #[test]
    fn trailing_text_fails_unless_blank() {
        let p = parse("{a:int}").unwrap();
        assert!(run(&p, "12  ").is_ok());
        assert_eq!(run(&p, "12x").unwrap_err().offset, 2);
    }
}
