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

/// The grammars a run can use. A built-in is compiled the first time it is
/// asked for: a bundle names a few of the fourteen, and reading and
/// compiling them all was 12.6 M instructions of every run's start, most
/// of a small bundle's (issue 16).
#[derive(Debug, Clone)]
pub struct Registry {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
enum Entry {
    /// A user grammar, compiled (and its errors reported) when loaded.
    Loaded(Grammar),
    /// A built-in file, named as its `name` says (`builtin_names_are_their_files`).
    Builtin {
        name: &'static str,
        file: &'static str,
        source: &'static str,
        /// Whether its `[[sample]]` tables are read (`builtin_with_samples`).
        samples: bool,
        grammar: std::sync::OnceLock<Grammar>,
    },
}

impl Entry {
    fn name(&self) -> &str {
        match self {
            Entry::Loaded(g) => &g.name,
            Entry::Builtin { name, .. } => name,
        }
    }

    fn grammar(&self) -> &Grammar {
        match self {
            Entry::Loaded(g) => g,
            Entry::Builtin {
                file,
                source,
                samples,
                grammar,
                ..
            } => grammar.get_or_init(|| {
                // A shipped file that does not compile is a bug of the
                // build, not of the input: `builtins_load` compiles each.
                let text = if *samples {
                    source
                } else {
                    without_samples(source)
                };
                load_text(text, source, file, "built-in")
                    .unwrap_or_else(|d| panic!("built-in grammar does not compile:\n{d}"))
            }),
        }
    }
}

/// The grammar name a built-in file's path gives (`grammars/nagios.toml`).
fn stem(file: &'static str) -> &'static str {
    let base = file.rsplit('/').next().unwrap_or(file);
    base.strip_suffix(".toml").unwrap_or(base)
}

/// Parse and compile one grammar file's text.
pub fn load_str(source: &str, file: &str, origin: &str) -> Result<Grammar, Diagnostic> {
    load_text(source, source, file, origin)
}

/// `load_str` of `text`, a prefix of the file's `source` (positions are
/// the same in both).
fn load_text(text: &str, source: &str, file: &str, origin: &str) -> Result<Grammar, Diagnostic> {
    let spec: GrammarSpec = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start);
        Diagnostic::at(file, source, offset, e.message().trim().to_string())
    })?;
    Grammar::compile(spec, source, origin)
        .map_err(|e| Diagnostic::at(file, source, e.offset, e.message))
}

/// A built-in file up to its first `[[sample]]` table: the samples are
/// the file's last tables (`builtin_samples_come_last`), read only to
/// check the grammar (`rfo grammars check`), and parsing them was two
/// fifths of every run's TOML (issue 16: the grammars' compilation is the
/// critical path of a two-thread run's start).
fn without_samples(source: &str) -> &str {
    let mut at = 0;
    for line in source.split_inclusive('\n') {
        if line.trim_end() == "[[sample]]" {
            return &source[..at];
        }
        at += line.len();
    }
    source
}

impl Registry {
    /// The built-in grammars, each compiled when first asked for, without
    /// its samples (`Grammar::samples` is empty).
    pub fn builtin() -> Result<Registry, Diagnostic> {
        Ok(Registry::builtins(false))
    }

    /// The built-in grammars with their samples, to check them.
    pub fn builtin_with_samples() -> Result<Registry, Diagnostic> {
        Ok(Registry::builtins(true))
    }

    fn builtins(samples: bool) -> Registry {
        let entries = BUILTIN
            .iter()
            .map(|&(file, source)| Entry::Builtin {
                name: stem(file),
                file,
                source,
                samples,
                grammar: std::sync::OnceLock::new(),
            })
            .collect();
        Registry { entries }
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
        self.entries.retain(|x| x.name() != g.name);
        self.entries.push(Entry::Loaded(g));
    }

    pub fn get(&self, name: &str) -> Option<&Grammar> {
        self.entries
            .iter()
            .find(|e| e.name() == name)
            .map(Entry::grammar)
    }

    /// Every grammar, in order (built-ins first, as listed): compiles
    /// those not compiled yet.
    pub fn all(&self) -> Vec<&Grammar> {
        self.entries.iter().map(Entry::grammar).collect()
    }

    /// Compile the grammars named (every one for `None`) now, on the
    /// thread pool: a built-in grammar's TOML and patterns took 8 M
    /// instructions on the main thread before any file was read, while
    /// the pool's threads had nothing to do (issue 16's two threads).
    /// Each is compiled once however many threads ask, as ever.
    pub fn compile(&self, names: Option<&[&str]>) {
        use rayon::prelude::*;
        // The wanted ones listed first, each a task of its own: filtered
        // while split, the four of the bench bundle fell to one thread.
        let wanted: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| names.is_none_or(|n| n.contains(&e.name())))
            .collect();
        wanted.par_iter().with_max_len(1).for_each(|e| {
            e.grammar();
        });
    }

    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(Entry::name).collect()
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

    /// A built-in is listed by its file's name before it is compiled: the
    /// two must agree, and each must compile.
    #[test]
    fn builtin_names_are_their_files() {
        for &(file, source) in BUILTIN {
            let g = load_str(source, file, "built-in").unwrap();
            assert_eq!(g.name, stem(file), "{file}");
        }
        let r = Registry::builtin().unwrap();
        let names: Vec<&str> = r.all().iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, r.names());
        assert_eq!(names.len(), BUILTIN.len());
    }

    /// A run reads a built-in file up to its samples: they must be its
    /// last tables, so that the cut leaves every other table whole, and a
    /// run's grammar must be the checked one but for its samples.
    #[test]
    fn builtin_samples_come_last() {
        for &(file, source) in BUILTIN {
            let full: GrammarSpec = toml::from_str(source).unwrap();
            let cut = without_samples(source);
            assert!(cut.len() < source.len(), "{file} has no samples");
            let mut run: GrammarSpec = toml::from_str(cut).unwrap();
            assert!(run.sample.is_empty(), "{file}");
            run.sample.clone_from(&full.sample);
            assert_eq!(format!("{run:?}"), format!("{full:?}"), "{file}");
        }
        let plain = Registry::builtin().unwrap();
        let checked = Registry::builtin_with_samples().unwrap();
        for (a, b) in plain.all().iter().zip(checked.all()) {
            assert!(a.samples.is_empty(), "{}", a.name);
            assert!(!b.samples.is_empty(), "{}", b.name);
        }
    }

    /// Asking for one grammar compiles that one alone.
    #[test]
    fn a_grammar_is_compiled_when_asked_for() {
        let r = Registry::builtin().unwrap();
        let compiled = |r: &Registry| {
            r.entries
                .iter()
                .filter(|e| match e {
                    Entry::Builtin { grammar, .. } => grammar.get().is_some(),
                    Entry::Loaded(_) => true,
                })
                .count()
        };
        assert_eq!(compiled(&r), 0);
        assert_eq!(r.get("rfc5424").map(|g| g.name.as_str()), Some("rfc5424"));
        assert_eq!(compiled(&r), 1);
        assert!(r.get("no-such-grammar").is_none());
        assert_eq!(compiled(&r), 1);
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
