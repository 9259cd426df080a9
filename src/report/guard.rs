//! Limits on user templates: a template is code the analyst runs, and a
//! hostile or careless one must end in an error naming it, not a stack
//! overflow (a partial that includes itself, 20,000 nested `{{#if}}`) or a
//! run that never ends (four nested `#each` over a long timeline).

use std::io::Write;
use std::time::{Duration, Instant};

/// Blocks (`{{#if}}`, `{{#each}}`, …) nest at most this deep.
pub const MAX_BLOCK_DEPTH: usize = 64;
/// A rendered report is at most this large.
pub const MAX_OUTPUT: usize = 64 << 20;
/// Rendering may take at most this long (a budget, not a timestamp: the
/// report never shows it).
pub const MAX_RENDER: Duration = Duration::from_secs(30);

/// Why a template is refused before rendering.
pub fn check(template: &str) -> Result<(), String> {
    depth(template)?;
    partial_cycles(template)
}

/// Block nesting, counted from `{{#` and `{{/` tags (inline partials and
/// raw blocks count too).
fn depth(t: &str) -> Result<(), String> {
    let mut d: usize = 0;
    let mut rest = t;
    while let Some(p) = rest.find("{{") {
        rest = &rest[p + 2..];
        let tag = rest.trim_start_matches(['~', '{']);
        if tag.starts_with('#') {
            d += 1;
            if d > MAX_BLOCK_DEPTH {
                return Err(format!(
                    "blocks nest deeper than {MAX_BLOCK_DEPTH} levels (at byte {})",
                    t.len() - rest.len() - 2
                ));
            }
        } else if tag.starts_with('/') {
            d = d.saturating_sub(1);
        }
    }
    Ok(())
}

/// The partials a template defines inline, with the partials each body
/// includes; a cycle (`a` includes `a`, or `a` → `b` → `a`) would recurse
/// until the stack overflows.
fn partial_cycles(t: &str) -> Result<(), String> {
    let mut defs: Vec<(String, Vec<String>)> = Vec::new();
    let mut rest = t;
    while let Some(p) = rest.find("{{#*inline") {
        rest = &rest[p + "{{#*inline".len()..];
        let name = quoted(rest).ok_or("an inline partial needs a quoted name")?;
        let end = rest.find("{{/inline}}").unwrap_or(rest.len());
        let body = &rest[..end];
        defs.push((name, includes(body)?));
        rest = &rest[end..];
    }
    for (name, _) in &defs {
        let mut path = vec![name.clone()];
        if let Some(cycle) = reaches(name, name, &defs, &mut path, 0) {
            return Err(format!(
                "partial {name:?} includes itself ({})",
                cycle.join(" → ")
            ));
        }
    }
    Ok(())
}

fn reaches(
    from: &str,
    target: &str,
    defs: &[(String, Vec<String>)],
    path: &mut Vec<String>,
    depth: usize,
) -> Option<Vec<String>> {
    if depth > defs.len() {
        return None;
    }
    let (_, inc) = defs.iter().find(|(n, _)| n == from)?;
    for next in inc {
        path.push(next.clone());
        if next == target {
            return Some(path.clone());
        }
        if let Some(c) = reaches(next, target, defs, path, depth + 1) {
            return Some(c);
        }
        path.pop();
    }
    None
}

/// Names of `{{> name}}` in a body; a dynamic partial (`{{> (expr)}}`) is
/// refused, since what it includes cannot be checked.
fn includes(body: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(p) = rest.find("{{>") {
        rest = rest[p + 3..].trim_start();
        if rest.starts_with('(') {
            return Err("dynamic partials ({{> (…)}}) are not supported".into());
        }
        let name: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '}')
            .collect();
        out.push(name.trim_matches('"').to_string());
    }
    Ok(out)
}

fn quoted(s: &str) -> Option<String> {
    let s = s.trim_start();
    let q = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let end = s[1..].find(q)?;
    Some(s[1..1 + end].to_string())
}

/// A writer that stops a render past the output or time budget.
pub struct Budget {
    pub out: Vec<u8>,
    started: Instant,
    pub exceeded: Option<String>,
}

impl Budget {
    pub fn new() -> Budget {
        Budget {
            out: Vec::new(),
            started: Instant::now(),
            exceeded: None,
        }
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new()
    }
}

impl Write for Budget {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() + buf.len() > MAX_OUTPUT {
            self.exceeded = Some(format!("output exceeds {} MiB", MAX_OUTPUT >> 20));
        } else if self.started.elapsed() > MAX_RENDER {
            self.exceeded = Some(format!(
                "rendering took longer than {} s",
                MAX_RENDER.as_secs()
            ));
        }
        if let Some(why) = &self.exceeded {
            return Err(std::io::Error::other(why.clone()));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recursive_partials_are_refused_with_the_cycle() {
        let e = check(r#"{{#*inline "a"}}x{{> a}}{{/inline}}{{> a}}"#).unwrap_err();
        assert_eq!(e, r#"partial "a" includes itself (a → a)"#);
        let e =
            check(r#"{{#*inline "a"}}{{> b}}{{/inline}}{{#*inline "b"}}{{> a}}{{/inline}}{{> a}}"#)
                .unwrap_err();
        assert_eq!(e, r#"partial "a" includes itself (a → b → a)"#);
        assert!(check(r#"{{#*inline "a"}}x{{/inline}}{{> a}}{{> a}}"#).is_ok());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let t = "{{#if x}}".repeat(20_000);
        assert_eq!(
            check(&t).unwrap_err(),
            "blocks nest deeper than 64 levels (at byte 576)"
        );
        let ok = format!("{}{}", "{{#if x}}".repeat(64), "{{/if}}".repeat(64));
        assert!(check(&ok).is_ok());
    }

    #[test]
    fn the_budget_stops_a_runaway_render() {
        let mut b = Budget::new();
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..64 {
            b.write_all(&chunk).unwrap();
        }
        assert!(b.write_all(b"y").is_err());
        assert_eq!(b.exceeded.as_deref(), Some("output exceeds 64 MiB"));
    }
}
