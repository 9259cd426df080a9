//! The line-pattern language of grammar files, parsed with nom.
//!
//! ```text
//! pattern  := item*
//! item     := capture | optional | escape | space | literal
//! capture  := '{' name ':' type [ '(' quoted ')' ] '}'      e.g. {seq:int}, {f:until("-")}
//! optional := '{?' item* '}'                                 tried, skipped if it fails
//! escape   := '\' any                                        a literal {, }, \ or space
//! space    := ' '+                                           one or more blanks in the line
//! ```
//!
//! Types: `int`, `word`, `until("chars")`, `rest`, `tag`, `abbrev`,
//! `oneof("chars")`, and the time types `bsd`, `iso`, `epoch`, `mdy12`,
//! `stime` (bsd or iso). See docs/grammars.md. A capture named `_` matches
//! without keeping a field. Errors carry the byte offset in the pattern so
//! the loader can point a caret at the grammar file's line and column.

use nom::{
    branch::alt,
    bytes::complete::{is_not, tag, take_while1},
    character::complete::{anychar, char},
    combinator::{cut, map},
    error::{ErrorKind, ParseError},
    multi::many0,
    sequence::preceded,
    IResult,
};

/// What a capture accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapType {
    Int,
    Word,
    Until(String),
    Rest,
    Tag,
    Abbrev,
    OneOf(String),
    Bsd,
    Iso,
    Epoch,
    Mdy12,
    /// `bsd` or `iso`: syslog headers use both.
    STime,
}

impl CapType {
    /// Whether a capture of this type yields a timestamp.
    pub fn is_time(&self) -> bool {
        matches!(
            self,
            CapType::Bsd | CapType::Iso | CapType::Epoch | CapType::Mdy12 | CapType::STime
        )
    }
}

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Lit(String),
    Space,
    Cap { name: String, ty: CapType },
    Opt(Vec<Node>),
}

/// A pattern error: where (byte offset into the pattern) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub offset: usize,
    pub message: String,
}

#[derive(Debug, PartialEq)]
struct PErr<'a> {
    input: &'a str,
    message: &'static str,
}

impl<'a> ParseError<&'a str> for PErr<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        PErr {
            input,
            message: "unexpected text",
        }
    }
    fn append(_: &'a str, _: ErrorKind, other: Self) -> Self {
        other
    }
}

type Res<'a, T> = IResult<&'a str, T, PErr<'a>>;

fn fail<'a, T>(input: &'a str, message: &'static str) -> Res<'a, T> {
    Err(nom::Err::Failure(PErr { input, message }))
}

/// Parse a whole pattern.
pub fn parse(pattern: &str) -> Result<Vec<Node>, PatternError> {
    match items(pattern) {
        Ok(("", nodes)) => Ok(nodes),
        Ok((rest, _)) => Err(PatternError {
            offset: pattern.len() - rest.len(),
            message: "unmatched '}'".into(),
        }),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(PatternError {
            offset: pattern.len() - e.input.len(),
            message: e.message.into(),
        }),
        Err(nom::Err::Incomplete(_)) => Err(PatternError {
            offset: pattern.len(),
            message: "pattern ends early".into(),
        }),
    }
}

fn items(i: &str) -> Res<'_, Vec<Node>> {
    let (i, nodes) = many0(item)(i)?;
    Ok((i, merge_literals(nodes)))
}

fn merge_literals(nodes: Vec<Node>) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::with_capacity(nodes.len());
    for n in nodes {
        match (out.last_mut(), n) {
            (Some(Node::Lit(a)), Node::Lit(b)) => a.push_str(&b),
            (_, n) => out.push(n),
        }
    }
    out
}

fn item(i: &str) -> Res<'_, Node> {
    alt((optional, capture, escape, space, literal))(i)
}

/// `{? ... }`
fn optional(i: &str) -> Res<'_, Node> {
    let (i, _) = tag("{?")(i)?;
    let (i, inner) = cut(items)(i)?;
    match i.strip_prefix('}') {
        Some(rest) if !inner.is_empty() => Ok((rest, Node::Opt(inner))),
        Some(_) => fail(i, "empty optional group"),
        None => fail(i, "optional group is not closed with '}'"),
    }
}

/// `{name:type}` or `{name:type('arg')}`
fn capture(i: &str) -> Res<'_, Node> {
    let (i, _) = char('{')(i)?;
    let (i, name) = cut(name)(i)?;
    let (i, _) = match char::<_, PErr>(':')(i) {
        Ok(ok) => ok,
        Err(_) => return fail(i, "expected ':' and a type after the capture name"),
    };
    let type_start = i;
    let (i, ty) = cut(ident)(i)?;
    let (i, arg) = match char::<_, PErr>('(')(i) {
        Ok((i, _)) => {
            let (i, s) = cut(quoted)(i)?;
            let (i, _) = match char::<_, PErr>(')')(i) {
                Ok(ok) => ok,
                Err(_) => return fail(i, "expected ')' after the argument"),
            };
            (i, Some(s))
        }
        Err(_) => (i, None),
    };
    let ty = match (ty, arg) {
        ("int", None) => CapType::Int,
        ("word", None) => CapType::Word,
        ("rest", None) => CapType::Rest,
        ("tag", None) => CapType::Tag,
        ("abbrev", None) => CapType::Abbrev,
        ("bsd", None) => CapType::Bsd,
        ("iso", None) => CapType::Iso,
        ("epoch", None) => CapType::Epoch,
        ("mdy12", None) => CapType::Mdy12,
        ("stime", None) => CapType::STime,
        ("until", Some(a)) if !a.is_empty() => CapType::Until(a),
        ("oneof", Some(a)) if !a.is_empty() => CapType::OneOf(a),
        ("until" | "oneof", _) => return fail(type_start, "this type takes a non-empty quoted argument, e.g. until(';')"),
        (_, Some(_)) => return fail(type_start, "this type takes no argument"),
        _ => return fail(type_start, "unknown type (int, word, until, rest, tag, abbrev, oneof, bsd, iso, epoch, mdy12, stime)"),
    };
    match i.strip_prefix('}') {
        Some(rest) => Ok((
            rest,
            Node::Cap {
                name: name.to_string(),
                ty,
            },
        )),
        None => fail(i, "expected '}' to close the capture"),
    }
}

fn name(i: &str) -> Res<'_, &str> {
    match ident(i) {
        Ok(ok) => Ok(ok),
        Err(_) => fail(i, "expected a capture name (letters, digits, '_')"),
    }
}

fn ident(i: &str) -> Res<'_, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || c == '_')(i)
}

/// `'...'` or `"..."` with backslash escapes. Both quotes are accepted so
/// that a pattern can sit in a TOML literal string (`'...'`, no escapes)
/// and still quote its arguments with `"`.
fn quoted(i: &str) -> Res<'_, String> {
    let (i, q) = match nom::character::complete::one_of::<_, _, PErr>("'\"")(i) {
        Ok(ok) => ok,
        Err(_) => return fail(i, "expected a quoted argument like \"-\""),
    };
    let mut out = String::new();
    let mut chars = i.char_indices();
    while let Some((k, c)) = chars.next() {
        match c {
            c if c == q => return Ok((&i[k + 1..], out)),
            '\\' => match chars.next() {
                Some((_, e)) => out.push(e),
                None => break,
            },
            c => out.push(c),
        }
    }
    fail(i, "unterminated quoted argument")
}

fn escape(i: &str) -> Res<'_, Node> {
    map(preceded(char('\\'), cut(anychar)), |c| {
        Node::Lit(c.to_string())
    })(i)
}

fn space(i: &str) -> Res<'_, Node> {
    map(take_while1(|c| c == ' '), |_| Node::Space)(i)
}

fn literal(i: &str) -> Res<'_, Node> {
    map(is_not("{}\\ "), |s: &str| Node::Lit(s.to_string()))(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(name: &str, ty: CapType) -> Node {
        Node::Cap {
            name: name.into(),
            ty,
        }
    }

    #[test]
    fn cisco_pattern() {
        let p = parse("{?{seq:int}: }{sync:oneof('*.')}{ts:bsd} {tz:abbrev}: %{facility:until('-')}-{msg:rest}").unwrap();
        assert_eq!(
            p,
            vec![
                Node::Opt(vec![
                    cap("seq", CapType::Int),
                    Node::Lit(":".into()),
                    Node::Space
                ]),
                cap("sync", CapType::OneOf("*.".into())),
                cap("ts", CapType::Bsd),
                Node::Space,
                cap("tz", CapType::Abbrev),
                Node::Lit(":".into()),
                Node::Space,
                Node::Lit("%".into()),
                cap("facility", CapType::Until("-".into())),
                Node::Lit("-".into()),
                cap("msg", CapType::Rest),
            ]
        );
    }

    #[test]
    fn escapes_and_literals() {
        assert_eq!(
            parse(r"\{x\} [{n:int}]").unwrap(),
            vec![
                Node::Lit("{x}".into()),
                Node::Space,
                Node::Lit("[".into()),
                cap("n", CapType::Int),
                Node::Lit("]".into()),
            ]
        );
        assert_eq!(
            parse(r"{f:until('\'')}").unwrap(),
            vec![cap("f", CapType::Until("'".into()))]
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("[{ts:epochs}] x").unwrap_err();
        assert_eq!(e.offset, 5);
        assert!(e.message.starts_with("unknown type"), "{}", e.message);
        let e = parse("{ts:bsd").unwrap_err();
        assert_eq!(
            (e.offset, e.message.as_str()),
            (7, "expected '}' to close the capture")
        );
        let e = parse("{?{a:int} ").unwrap_err();
        assert_eq!(e.offset, 10);
        let e = parse("a } b").unwrap_err();
        assert_eq!((e.offset, e.message.as_str()), (2, "unmatched '}'"));
        let e = parse("{x:until}").unwrap_err();
        assert_eq!(e.offset, 3);
        let e = parse("{:int}").unwrap_err();
        assert_eq!(e.offset, 1);
    }
}
