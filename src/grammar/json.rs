//! Shared help for the JSON record forms: which line each object key sits
//! on, so that a record read from a parsed `serde_json::Value` can cite the
//! line of the text its timestamp came from.
//!
//! `serde_json` (with `preserve_order`) keeps keys in document order, so a
//! walk of the value that visits every key in order meets them in the same
//! order as a scan of the text does. `KeyLines` is that scan: a tokenizer
//! that knows strings and escapes and nothing else. It does not validate;
//! `serde_json` already has.

use serde_json::{Map, Value};

/// Every object key of a JSON text, in order, with its 1-based line.
#[derive(Debug, Clone)]
pub struct KeyLines<'t> {
    keys: Vec<(&'t str, u64)>,
    next: usize,
}

impl<'t> KeyLines<'t> {
    /// Scan `text` (one or more JSON values) for object keys.
    pub fn scan(text: &'t str) -> KeyLines<'t> {
        let b = text.as_bytes();
        let mut keys = Vec::new();
        let mut line = 1u64;
        let mut k = 0;
        while k < b.len() {
            match b[k] {
                b'\n' => {
                    line += 1;
                    k += 1;
                }
                b'"' => {
                    let start = k + 1;
                    let mut j = start;
                    while j < b.len() && b[j] != b'"' {
                        j += if b[j] == b'\\' { 2 } else { 1 };
                    }
                    let end = j.min(b.len());
                    let string_line = line;
                    k = end + 1;
                    let mut after = k;
                    while after < b.len() && b[after].is_ascii_whitespace() {
                        if b[after] == b'\n' {
                            line += 1;
                        }
                        after += 1;
                    }
                    if b.get(after) == Some(&b':') {
                        if let Some(key) = text.get(start..end) {
                            keys.push((key, string_line));
                        }
                    }
                    k = after;
                }
                _ => k += 1,
            }
        }
        KeyLines { keys, next: 0 }
    }

    /// The line of the next occurrence of `key`, moving past it. Keys written
    /// with escapes match any name (they are rare and still in order); a key
    /// serde_json dropped as a duplicate is skipped over. 0 if none is left.
    pub fn take(&mut self, key: &str) -> u64 {
        while let Some(&(raw, line)) = self.keys.get(self.next) {
            self.next += 1;
            if raw == key || raw.contains('\\') {
                return line;
            }
        }
        0
    }

    /// Visit `v` in document order, taking every key, and call `on_object`
    /// after each object with the lines of its own keys.
    pub fn walk(&mut self, v: &Value, on_object: &mut dyn FnMut(&Map<String, Value>, &KeyedLines)) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| self.walk(i, on_object)),
            Value::Object(obj) => {
                let mut own = KeyedLines(Vec::with_capacity(obj.len()));
                for (k, child) in obj {
                    own.0.push((k.clone(), self.take(k)));
                    self.walk(child, on_object);
                }
                on_object(obj, &own);
            }
            _ => {}
        }
    }
}

/// The lines of one object's own keys.
#[derive(Debug, Clone, Default)]
pub struct KeyedLines(Vec<(String, u64)>);

impl KeyedLines {
    pub fn line(&self, key: &str) -> Option<u64> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, l)| *l)
            .filter(|&l| l > 0)
    }
}

/// A string member of an object.
pub fn str_field<'v>(obj: &'v Map<String, Value>, k: &str) -> Option<&'v str> {
    obj.get(k).and_then(Value::as_str)
}

/// A scalar as text (strings unquoted, numbers and booleans as written,
/// objects and arrays as compact JSON); `null` is no value.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(_) | Value::Number(_) => Some(v.to_string()),
        Value::Array(_) | Value::Object(_) => Some(v.to_string()),
    }
}

/// Parse one or more JSON values separated by blanks (a single document, an
/// array, or one value per line). The error names line and column.
pub fn values(text: &str) -> Result<Vec<Value>, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut out = Vec::new();
    for v in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        match v {
            Ok(v) => out.push(v),
            Err(e) => {
                return Err(format!(
                    "invalid JSON at line {}, column {}: {e}",
                    e.line(),
                    e.column()
                ))
            }
        }
    }
    if out.is_empty() {
        return Err("no JSON value found".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_their_lines() {
        let text =
            "{\"a\": \"x:\\\"y\\\"\",\n \"b\"\n : {\"a\": [\"a\", \"c\"]},\n\"c\": 1}\n{\"a\": 2}";
        let k = KeyLines::scan(text);
        let got: Vec<(&str, u64)> = k.keys.clone();
        assert_eq!(got, vec![("a", 1), ("b", 2), ("a", 3), ("c", 4), ("a", 5)]);
    }

    #[test]
    fn walk_gives_each_object_its_key_lines() {
        let text = "[\n {\"id\": 1,\n  \"at\": \"t1\"},\n {\"id\": 2, \"inner\": {\"at\": \"x\"},\n  \"at\": \"t2\"}\n]";
        let v: Value = serde_json::from_str(text).unwrap();
        let mut seen = Vec::new();
        KeyLines::scan(text).walk(&v, &mut |obj, lines| {
            if let Some(id) = obj.get("id") {
                seen.push((id.to_string(), lines.line("at")));
            }
        });
        assert_eq!(
            seen,
            vec![("1".to_string(), Some(3)), ("2".to_string(), Some(5))]
        );
    }

    #[test]
    fn values_reads_streams_and_reports_position() {
        assert_eq!(values("{\"a\":1}\n{\"a\":2}\n").unwrap().len(), 2);
        assert_eq!(values("[1, 2]").unwrap().len(), 1);
        let e = values("{\"a\":1}\n{\"a\":}").unwrap_err();
        assert!(e.starts_with("invalid JSON at line 2"), "{e}");
        assert!(values("  ").is_err());
    }
}
