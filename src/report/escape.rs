//! Escaping log text for the output format, so that a log line cannot
//! inject Markdown structure or HTML into a report.

/// Markdown: backslash-escape every character with inline meaning, and fold
/// line breaks (a table cell or a heading must stay on one line).
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '!' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// HTML text and attribute content.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_neutralises_structure() {
        assert_eq!(
            markdown("| **x** [a](http://e) <b>\n# h"),
            r"\| \*\*x\*\* \[a\](http://e) \<b\> \# h"
        );
    }

    #[test]
    fn html_escapes_tags_and_quotes() {
        assert_eq!(html("<script>\"&'"), "&lt;script&gt;&quot;&amp;&#x27;");
    }
}
