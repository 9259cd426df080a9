//! Escaping log text for the output format, so that a log line cannot
//! inject Markdown structure or HTML into a report.

/// Markdown: backslash-escape every character with inline meaning, and fold
/// line breaks (a table cell or a heading must stay on one line).
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '!' | '{' | '}'
            | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Where a Markdown code span stands: in a GFM table cell a `|` splits the
/// cell even inside a code span unless written `\|` (the table is split
/// before inline parsing), while anywhere else `\|` would show its backslash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Text,
    TableCell,
}

/// A Markdown code span that renders exactly `s` (line breaks folded to
/// spaces). Backslash escapes are not processed inside a code span, so
/// `alertmonitor_alerts2.json` must go in raw (escaped, it would show
/// `alertmonitor\_alerts2.json`); the fence is a backtick run longer than
/// any inside `s`, padded with a space when `s` starts or ends with a
/// backtick or with a space that CommonMark would strip (spec 6.1).
pub fn code_span(s: &str, place: Place) -> String {
    let body: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    if body.is_empty() {
        return String::new();
    }
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let all_space = body.chars().all(|c| c == ' ');
    let pad = body.starts_with('`')
        || body.ends_with('`')
        || (!all_space && body.starts_with(' ') && body.ends_with(' '));
    let pad = if pad { " " } else { "" };
    let body = match place {
        Place::Text => body,
        Place::TableCell => body.replace('|', "\\|"),
    };
    format!("{fence}{pad}{body}{pad}{fence}")
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
    fn code_spans_hold_raw_text_behind_a_long_enough_fence() {
        let t = Place::Text;
        assert_eq!(code_span("alerts_2.json:24", t), "`alerts_2.json:24`");
        assert_eq!(code_span("a`b", t), "``a`b``");
        assert_eq!(code_span("`a``", t), "``` `a`` ```");
        assert_eq!(code_span(" a ", t), "`  a  `");
        assert_eq!(code_span("a\nb", t), "`a b`");
        assert_eq!(code_span("a|b", t), "`a|b`");
        assert_eq!(code_span("a|b", Place::TableCell), "`a\\|b`");
        assert_eq!(code_span("", t), "");
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
