//! ANSI colour for the text outputs that mark severity or a verdict
//! (`lint`, `check`). Whether to colour is the command's decision (flags,
//! terminal, `NO_COLOR`: `cmd::colour`); how is decided here.

/// `text` in an ANSI colour (31 red, 33 yellow, 32 green) when `on`.
pub fn paint(on: bool, code: u8, text: &str) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}
