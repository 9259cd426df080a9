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

/// Text for a terminal: control characters (an ESC from a log line could
/// move the cursor, recolour or retitle the analyst's terminal) are shown
/// as `\u{1b}`-style escapes; tabs stay.
pub fn terminal(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c != '\t' && (c.is_control() || ('\u{80}'..='\u{9f}').contains(&c));
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `terminal` line by line, newlines kept: for whole text outputs.
pub fn terminal_text(s: &str) -> String {
    s.split('\n').map(terminal).collect::<Vec<_>>().join("\n")
}

/// A CSV cell a spreadsheet will not run: text starting with `=`, `+`,
/// `-`, `@`, a tab or a CR gets a leading `'` (the OWASP guard against
/// formula injection). Only for text columns; numbers keep their sign.
pub fn csv_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
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

    #[test]
    fn terminal_and_csv_guards() {
        assert_eq!(
            terminal("a\u{1b}]0;pwned\u{7}b\tc"),
            "a\\u{1b}]0;pwned\\u{7}b\tc"
        );
        assert_eq!(terminal("plain"), "plain");
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("-1+1"), "'-1+1");
        assert_eq!(csv_text("ok"), "ok");
    }
}
