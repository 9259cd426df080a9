//! The line-pattern language of grammar files, parsed with nom.
//!
//! ```text
//! pattern  := item*
//! item     := capture | optional | choice | escape | space | literal
//! capture  := '{' name ':' type [ '(' quoted ')' ] '}'      e.g. {seq:int}, {f:until("-")}
//! optional := '{?' item* '}'                                 tried first, skipped if the line fails
//! choice   := '{|' item* ( '|' item* )* '}'                  alternatives, tried in order
//! escape   := '\u{' hex+ '}' | '\' any                       a code point, or a literal {, }, |, \ or space
//! space    := ' '+                                           one or more blanks in the line
//! ```
//!
//! Matching backtracks into optional groups and choices (the first reading,
//! in pattern order, that matches the whole line wins), never into the length
//! of a capture: every type takes the longest run it accepts.
//!
//! Types: `int` (or `int("MIN-MAX")`, a value in that range), `word`,
//! `until("chars")`, `upto("text")`, `rest`, `tag`,
//! `host`, `event`, `ident`, `uptime`, `level`, `abbrev`, `oneof("chars")`,
//! `sd`, and the time types `bsd`, `iso`, `stime` (bsd or ISO with `T`),
//! `epoch`, `ctime`, `mdy12`, `compact`, `clf`; docs/grammars.md describes each. A
//! capture named `_` matches without keeping a field. Inside a choice a
//! literal `|` is written `\|`. Errors carry the byte offset in the pattern
//! so the loader can point a caret at the grammar file's line and column.

use nom::{
    bytes::complete::{is_not, tag, take_while1},
    character::complete::{anychar, char},
    combinator::cut,
    error::{ErrorKind, ParseError},
    IResult,
};

/// What a capture accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapType {
    Int,
    /// `int("0-191")`: digits whose value lies in the inclusive range (a
    /// syslog PRI).
    IntIn(u64, u64),
    Word,
    Until(String),
    /// Everything up to (not including) the first occurrence of a text.
    Upto(String),
    Rest,
    Tag,
    /// A host name or address; stops before a `:` that ends the token.
    Host,
    /// An upper-case event name with an underscore (`UI_COMMIT`).
    Event,
    /// A letter, then letters, digits and `_` (`CONFIG_I`, `UPDOWN`).
    Ident,
    /// A device uptime instead of a clock time: `2y10w`, `1d02h`, `00:00:46`.
    Uptime,
    /// A log level word, any case: `INFO`, `warn`, `Error`, `CRITICAL`.
    Level,
    Abbrev,
    OneOf(String),
    /// RFC 5424 structured data: one or more `[id param="value"...]`.
    Sd,
    Bsd,
    Iso,
    Epoch,
    Mdy12,
    CTime,
    Compact,
    /// Access-log time: `10/Oct/2000:13:55:36 -0700`, offset optional.
    Clf,
    /// `bsd`, or ISO 8601 with `T`: syslog headers use both.
    STime,
}

/// The type names, for the error message.
macro_rules! type_names {
    () => {
        "int, word, until, upto, rest, tag, host, event, ident, uptime, level, abbrev, oneof, sd, bsd, iso, stime, epoch, ctime, mdy12, compact, clf"
    };
}
const TYPES: &str = type_names!();
const UNKNOWN_TYPE: &str = concat!("unknown type (", type_names!(), ")");

impl CapType {
    /// Whether a capture of this type yields a timestamp.
    pub fn is_time(&self) -> bool {
        matches!(
            self,
            CapType::Bsd
                | CapType::Iso
                | CapType::Epoch
                | CapType::Mdy12
                | CapType::STime
                | CapType::CTime
                | CapType::Compact
                | CapType::Clf
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
    Choice(Vec<Vec<Node>>),
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

/// Where items are being read: a `|` ends an alternative inside a choice and
/// is plain text elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Top,
    InChoice,
}

/// Groups (`{? }`, `{| }`) nest at most this deep: the parser and the
/// matcher recurse per level, and a hostile grammar of 100,000 nested
/// `{?` overflowed the stack.
pub const MAX_DEPTH: u32 = 16;
/// A pattern holds at most this many items in all: the matcher recurses
/// once per item, and 32,000 items overflowed its stack.
pub const MAX_ITEMS: usize = 512;

thread_local! {
    static DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// One level of group nesting, released when dropped.
struct Level;

impl Level {
    fn enter(i: &str) -> Result<Level, nom::Err<PErr<'_>>> {
        let d = DEPTH.with(|d| {
            d.set(d.get() + 1);
            d.get()
        });
        let level = Level;
        if d > MAX_DEPTH {
            return Err(nom::Err::Failure(PErr {
                input: i,
                message: "groups nest deeper than 16 levels",
            }));
        }
        Ok(level)
    }
}

impl Drop for Level {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

fn count(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|n| match n {
            Node::Opt(inner) => 1 + count(inner),
            Node::Choice(alts) => 1 + alts.iter().map(|a| count(a)).sum::<usize>(),
            _ => 1,
        })
        .sum()
}

/// Parse a whole pattern.
pub fn parse(pattern: &str) -> Result<Vec<Node>, PatternError> {
    DEPTH.with(|d| d.set(0));
    match items(pattern, Ctx::Top) {
        Ok(("", nodes)) if count(&nodes) > MAX_ITEMS => Err(PatternError {
            offset: 0,
            message: format!(
                "pattern has {} items, more than the {MAX_ITEMS} a pattern may hold",
                count(&nodes)
            ),
        }),
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

/// Items up to a `}` or `|` (or the end); the caller checks what stopped them.
fn items(mut i: &str, ctx: Ctx) -> Res<'_, Vec<Node>> {
    let mut nodes = Vec::new();
    loop {
        match item(i, ctx) {
            Ok((rest, n)) => {
                nodes.push(n);
                i = rest;
            }
            Err(nom::Err::Error(_)) => return Ok((i, merge_literals(nodes))),
            Err(e) => return Err(e),
        }
    }
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

fn item(i: &str, ctx: Ctx) -> Res<'_, Node> {
    if i.starts_with("{?") {
        return optional(i, ctx);
    }
    if i.starts_with("{|") {
        return choice(i);
    }
    if i.starts_with('{') {
        return capture(i);
    }
    if i.starts_with('\\') {
        return escape(i);
    }
    if i.starts_with(' ') {
        return space(i);
    }
    literal(i, ctx)
}

/// `{? ... }`
fn optional(i: &str, ctx: Ctx) -> Res<'_, Node> {
    let (i, _) = tag("{?")(i)?;
    let _level = Level::enter(i)?;
    let (i, inner) = items(i, ctx)?;
    match i.strip_prefix('}') {
        Some(rest) if !inner.is_empty() => Ok((rest, Node::Opt(inner))),
        Some(_) => fail(i, "empty optional group"),
        None => fail(i, "optional group is not closed with '}'"),
    }
}

/// `{| a | b }`: at least two alternatives; an empty one matches nothing.
fn choice(i: &str) -> Res<'_, Node> {
    let (mut i, _) = tag("{|")(i)?;
    let _level = Level::enter(i)?;
    let mut alts = Vec::new();
    loop {
        let (rest, alt) = items(i, Ctx::InChoice)?;
        alts.push(alt);
        if let Some(r) = rest.strip_prefix('|') {
            i = r;
            continue;
        }
        return match rest.strip_prefix('}') {
            Some(_) if alts.len() < 2 => fail(
                rest,
                "a choice needs at least two alternatives separated by '|'",
            ),
            Some(r) => Ok((r, Node::Choice(alts))),
            None => fail(rest, "choice is not closed with '}'"),
        };
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
    let ty = match cap_type(ty, arg) {
        Ok(t) => t,
        Err(m) => return fail(type_start, m),
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

fn cap_type(ty: &str, arg: Option<String>) -> Result<CapType, &'static str> {
    Ok(match (ty, arg) {
        ("int", None) => CapType::Int,
        ("word", None) => CapType::Word,
        ("rest", None) => CapType::Rest,
        ("tag", None) => CapType::Tag,
        ("host", None) => CapType::Host,
        ("event", None) => CapType::Event,
        ("ident", None) => CapType::Ident,
        ("uptime", None) => CapType::Uptime,
        ("level", None) => CapType::Level,
        ("abbrev", None) => CapType::Abbrev,
        ("sd", None) => CapType::Sd,
        ("bsd", None) => CapType::Bsd,
        ("iso", None) => CapType::Iso,
        ("epoch", None) => CapType::Epoch,
        ("mdy12", None) => CapType::Mdy12,
        ("ctime", None) => CapType::CTime,
        ("compact", None) => CapType::Compact,
        ("clf", None) => CapType::Clf,
        ("stime", None) => CapType::STime,
        ("int", Some(a)) => match int_range(&a) {
            Some((lo, hi)) => CapType::IntIn(lo, hi),
            None => return Err("int takes an optional range MIN-MAX, e.g. int(\"0-191\")"),
        },
        ("until", Some(a)) if !a.is_empty() => CapType::Until(a),
        ("upto", Some(a)) if !a.is_empty() => CapType::Upto(a),
        ("oneof", Some(a)) if !a.is_empty() => CapType::OneOf(a),
        ("until" | "upto" | "oneof", _) => {
            return Err("this type takes a non-empty quoted argument, e.g. until(';')")
        }
        (_, Some(_)) if TYPES.split(", ").any(|t| t == ty) => {
            return Err("this type takes no argument")
        }
        _ => return Err(UNKNOWN_TYPE),
    })
}

/// `"0-191"`: two decimal numbers, the first not above the second.
fn int_range(a: &str) -> Option<(u64, u64)> {
    let (lo, hi) = a.split_once('-')?;
    let num = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let (lo, hi) = (num(lo)?, num(hi)?);
    (lo <= hi).then_some((lo, hi))
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

/// `\u{FEFF}` (a code point, for the invisible ones) or `\c` (the character c).
fn escape(i: &str) -> Res<'_, Node> {
    let (i, _) = char('\\')(i)?;
    if let Some(body) = i.strip_prefix("u{") {
        let Some(close) = body.find('}') else {
            return fail(i, "expected '}' to close \\u{...}");
        };
        let c = u32::from_str_radix(&body[..close], 16)
            .ok()
            .and_then(char::from_u32);
        return match c {
            Some(c) => Ok((&body[close + 1..], Node::Lit(c.to_string()))),
            None => fail(i, "\\u{...} needs a hexadecimal Unicode code point"),
        };
    }
    match anychar::<_, PErr>(i) {
        Ok((i, c)) => Ok((i, Node::Lit(c.to_string()))),
        Err(_) => fail(i, "a '\\' at the end of the pattern escapes nothing"),
    }
}

fn space(i: &str) -> Res<'_, Node> {
    let (i, _) = take_while1(|c| c == ' ')(i)?;
    Ok((i, Node::Space))
}

fn literal(i: &str, ctx: Ctx) -> Res<'_, Node> {
    let stops = match ctx {
        Ctx::Top => "{}\\ ",
        Ctx::InChoice => "{}\\ |",
    };
    let (i, s) = is_not(stops)(i)?;
    Ok((i, Node::Lit(s.to_string())))
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
    fn choices_and_code_points() {
        assert_eq!(
            parse(r"{|-|{sd:sd}}{? {?{|\u{FEFF}|BOM}}{msg:rest}}").unwrap(),
            vec![
                Node::Choice(vec![
                    vec![Node::Lit("-".into())],
                    vec![cap("sd", CapType::Sd)]
                ]),
                Node::Opt(vec![
                    Node::Space,
                    Node::Opt(vec![Node::Choice(vec![
                        vec![Node::Lit("\u{feff}".into())],
                        vec![Node::Lit("BOM".into())],
                    ])]),
                    cap("msg", CapType::Rest),
                ]),
            ]
        );
        // `|` is text outside a choice, a separator inside; `\|` is text in both.
        assert_eq!(parse("a|b").unwrap(), vec![Node::Lit("a|b".into())]);
        assert_eq!(
            parse(r"{|a\|b||c}").unwrap(),
            vec![Node::Choice(vec![
                vec![Node::Lit("a|b".into())],
                vec![],
                vec![Node::Lit("c".into())],
            ])]
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
        let e = parse("{|a}").unwrap_err();
        assert!(e.message.starts_with("a choice needs"), "{}", e.message);
        let e = parse("{|a|b").unwrap_err();
        assert_eq!(
            (e.offset, e.message.as_str()),
            (5, "choice is not closed with '}'")
        );
        let e = parse("{x:rest('a')}").unwrap_err();
        assert_eq!(
            (e.offset, e.message.as_str()),
            (3, "this type takes no argument")
        );
        let e = parse(r"a\u{zz}").unwrap_err();
        assert!(e.message.contains("hexadecimal"), "{}", e.message);
        let e = parse("a } b").unwrap_err();
        assert_eq!((e.offset, e.message.as_str()), (2, "unmatched '}'"));
        let e = parse("{x:int('191')}").unwrap_err();
        assert_eq!(e.offset, 3);
        assert!(e.message.starts_with("int takes"), "{}", e.message);
        assert!(parse("{x:int('9-1')}").is_err());
        assert!(parse("{x:int('-1')}").is_err());
        assert_eq!(
            parse("<{pri:int(\"0-191\")}>").unwrap(),
            vec![
                Node::Lit("<".into()),
                cap("pri", CapType::IntIn(0, 191)),
                Node::Lit(">".into())
            ]
        );
        let e = parse("{x:until}").unwrap_err();
        assert_eq!(e.offset, 3);
        let e = parse("{:int}").unwrap_err();
        assert_eq!(e.offset, 1);
    }

    /// A hostile grammar: 100,000 nested `{?` overflowed the parser's
    /// stack (exit 134); 16,000 `a ` after a group overflowed the matcher's.
    #[test]
    fn nesting_and_length_are_bounded_with_a_clear_error() {
        let deep = "{?".repeat(100_000);
        let e = parse(&deep).unwrap_err();
        assert_eq!(e.message, "groups nest deeper than 16 levels");
        assert_eq!(e.offset, 34);
        let long = format!("{{?{{w:word}} }}{}", "a ".repeat(16_000));
        let e = parse(&long).unwrap_err();
        assert_eq!(
            e.message,
            "pattern has 32003 items, more than the 512 a pattern may hold"
        );
        assert!(parse(&"{?".repeat(16).to_string()).is_err());
        let ok = format!("{}x{}", "{?".repeat(16), "}".repeat(16));
        assert!(parse(&ok).is_ok());
    }
}
