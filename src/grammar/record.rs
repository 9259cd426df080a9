//! Records: the fields a grammar read from one line (or one JSON object),
//! before classification and time resolution.

use crate::time::stamp::Stamp;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One parsed record. Names borrow from the grammar, values from the line
/// where they can (pattern grammars) or are owned (JSON grammars).
#[derive(Debug, Clone)]
pub struct Record<'a> {
    /// 1-based line number in the source file.
    pub line: u64,
    /// Name of the pattern (or record form) that matched.
    pub pattern: &'a str,
    pub fields: Vec<(&'a str, Cow<'a, str>)>,
    /// The event time (`ts` capture), as written.
    pub stamp: Option<Stamp>,
}

impl<'a> Record<'a> {
    /// A field's value; `pattern` is always present.
    pub fn get(&self, name: &str) -> Option<&str> {
        if name == "pattern" {
            return Some(self.pattern);
        }
        self.fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
    }
}

/// A record's field vector, emptied, for another line's record: the
/// values borrow from their line, so the vector cannot outlive it as it
/// is, but an empty one can take any lifetime. Collecting a vector's own
/// iterator into one of the same layout reuses its allocation in place
/// (`recycle_keeps_the_allocation` holds that).
pub fn recycle<'b>(mut fields: Vec<(&str, Cow<'_, str>)>) -> Vec<(&'b str, Cow<'b, str>)> {
    fields.clear();
    fields
        .into_iter()
        .map(|_| unreachable!("emptied"))
        .collect()
}

/// A line that no pattern of its grammar accepted, or whose stamp names
/// no real instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParseFailure {
    pub line: u64,
    /// 1-based column (in characters) where matching stopped.
    pub column: usize,
    pub text: String,
    /// Why a line that parsed could not be placed in time (`Feb 29 does
    /// not exist in 2017`); absent for a line no pattern read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycle_keeps_the_allocation() {
        let line = String::from("host=a msg=b");
        let mut v: Vec<(&str, Cow<str>)> = Vec::with_capacity(16);
        v.push(("host", Cow::Borrowed(&line[5..6])));
        v.push(("msg", Cow::Owned("b".to_string())));
        let at = v.as_ptr() as usize;
        let again: Vec<(&'static str, Cow<'static, str>)> = recycle(v);
        drop(line);
        assert!(again.is_empty());
        assert_eq!(again.capacity(), 16);
        assert_eq!(again.as_ptr() as usize, at);
    }
}
