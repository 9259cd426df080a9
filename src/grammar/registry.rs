//! The set of grammars a run can use: the built-ins embedded at build time,
//! plus user grammars from `--grammars DIR`.
//!
//! A broken user grammar is reported with file, line, column and a caret and
//! skipped; it never stops the built-ins from loading.

use super::spec::GrammarSpec;
use super::Grammar;
use std::fmt;
use std::path::Path;

/// Built-in grammar files, embedded in the binary.
static BUILTIN: &[(&str, &str)] = &[
    (
        "grammars/cisco-ios.toml",
        include_str!("../../grammars/cisco-ios.toml"),
    ),
    (
        "grammars/nagios.toml",
        include_str!("../../grammars/nagios.toml"),
    ),
    (
        "grammars/rfc3164.toml",
        include_str!("../../grammars/rfc3164.toml"),
    ),
    (
        "grammars/statuspage.toml",
        include_str!("../../grammars/statuspage.toml"),
    ),
    (
        "grammars/rfc5424.toml",
        include_str!("../../grammars/rfc5424.toml"),
    ),
    (
        "grammars/junos.toml",
        include_str!("../../grammars/junos.toml"),
    ),
    (
        "grammars/alertmanager.toml",
        include_str!("../../grammars/alertmanager.toml"),
    ),
    (
        "grammars/jsonl.toml",
        include_str!("../../grammars/jsonl.toml"),
    ),
    (
        "grammars/access-clf.toml",
        include_str!("../../grammars/access-clf.toml"),
    ),
    (
        "grammars/haproxy-http.toml",
        include_str!("../../grammars/haproxy-http.toml"),
    ),
    (
        "grammars/access-json.toml",
        include_str!("../../grammars/access-json.toml"),
    ),
    ("grammars/iso.toml", include_str!("../../grammars/iso.toml")),
    (
        "grammars/loghub-thunderbird.toml",
        include_str!("../../grammars/loghub-thunderbird.toml"),
    ),
    (
        "grammars/zabbix.toml",
        include_str!("../../grammars/zabbix.toml"),
    ),
];

/// The built-in grammar files as `(path, text)`: what a seal hashes.
pub fn builtin_sources() -> &'static [(&'static str, &'static str)] {
    BUILTIN
}

/// A grammar file problem, rendered like a compiler error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The offending source line, for the caret display.
    pub source_line: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )?;
        let num = self.line.to_string();
        let pad = " ".repeat(num.len());
        writeln!(f, "{pad} |")?;
        writeln!(f, "{num} | {}", self.source_line)?;
        write!(f, "{pad} | {}^", " ".repeat(self.column.saturating_sub(1)))
    }
}

impl Diagnostic {
    fn at(file: &str, source: &str, offset: Option<usize>, message: String) -> Diagnostic {
        let offset = offset.unwrap_or(0).min(source.len());
        let before = &source[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|p| p + 1).unwrap_or(0);
        let column = source[line_start..offset].chars().count() + 1;
        let source_line = source[line_start..]
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            message,
            source_line,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Registry {
    grammars: Vec<Grammar>,
}

/// Parse and compile one grammar file's text.
pub fn load_str(source: &str, file: &str, origin: &str) -> Result<Grammar, Diagnostic> {
    let spec: GrammarSpec = toml::from_str(source).map_err(|e| {
        let offset = e.span().map(|s| s.start);
        Diagnostic::at(file, source, offset, e.message().trim().to_string())
    })?;
    Grammar::compile(spec, source, origin)
        .map_err(|e| Diagnostic::at(file, source, e.offset, e.message))
}

impl Registry {
    /// The built-in grammars. A failure here is a bug in a shipped file.
    pub fn builtin() -> Result<Registry, Diagnostic> {
        let grammars = BUILTIN
            .iter()
            .map(|(file, src)| load_str(src, file, "built-in"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Registry { grammars })
    }

    /// Add every `*.toml` in `dir` (sorted). A user grammar named like a
    /// built-in replaces it. Returns the diagnostics of files that failed.
    pub fn load_dir(&mut self, dir: &Path) -> Result<Vec<Diagnostic>, std::io::Error> {
        let mut files: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let mut diags = Vec::new();
        for path in files {
            let shown = path.display().to_string();
            let src = match std::fs::read_to_string(&path) {
                Ok(s) => s,
                Err(e) => {
                    diags.push(Diagnostic::at(&shown, "", None, e.to_string()));
                    continue;
                }
            };
            match load_str(&src, &shown, &shown) {
                Ok(g) => self.add(g),
                Err(d) => diags.push(d),
            }
        }
        Ok(diags)
    }

    pub fn add(&mut self, g: Grammar) {
        self.grammars.retain(|x| x.name != g.name);
        self.grammars.push(g);
    }

    pub fn get(&self, name: &str) -> Option<&Grammar> {
        self.grammars.iter().find(|g| g.name == name)
    }

    pub fn all(&self) -> &[Grammar] {
        &self.grammars
    }

    pub fn names(&self) -> Vec<&str> {
        self.grammars.iter().map(|g| g.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_load() {
        let r = Registry::builtin().unwrap();
        assert!(r.get("cisco-ios").is_some());
        assert!(r.get("nagios").is_some());
    }

    #[test]
    fn broken_pattern_gets_a_caret() {
        let src = "name = \"x\"\ndescription = \"d\"\n[[pattern]]\nname = \"p\"\nmatch = '[{ts:epochs}] {msg:rest}'\n";
        let d = load_str(src, "my/x.toml", "my/x.toml").unwrap_err();
        assert_eq!((d.line, d.column), (5, 15));
        let shown = d.to_string();
        assert_eq!(
            shown,
            "my/x.toml:5:15: pattern \"p\": unknown type (int, word, until, upto, rest, tag, host, event, ident, uptime, level, abbrev, oneof, sd, bsd, iso, stime, epoch, ctime, mdy12, compact, clf)\n  |\n5 | match = '[{ts:epochs}] {msg:rest}'\n  |               ^"
        );
    }

    #[test]
    fn broken_toml_gets_a_position() {
        let src = "name = \"x\"\ndescription = \n";
        let d = load_str(src, "x.toml", "x.toml").unwrap_err();
        assert_eq!(d.line, 2);
    }
}
