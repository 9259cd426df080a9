//! Durations as people write them in reports and on status pages.

use regex::Regex;
use std::sync::OnceLock;

/// A stated duration in seconds: `27 minutes`, `27 min 11 s`, `17m`,
/// `1 hour 5 minutes`, `1h 5m`, `1631 s`. The first duration in the text.
pub fn parse(text: &str) -> Option<i64> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)(\d+)\s*(hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b")
            .expect("valid")
    });
    let mut total = 0i64;
    let mut last_end = None;
    for cap in re.captures_iter(text) {
        let m = cap.get(0).expect("whole match");
        // Stop at the first gap that is more than a space: one expression only.
        if let Some(end) = last_end {
            if !text[end..m.start()].trim().is_empty() {
                break;
            }
        }
        let n: i64 = cap[1].parse().ok()?;
        let unit = cap[2].to_ascii_lowercase();
        total += n * match unit.chars().next() {
            Some('h') => 3600,
            Some('m') => 60,
            _ => 1,
        };
        last_end = Some(m.end());
    }
    last_end.map(|_| total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_durations() {
        assert_eq!(parse("27 minutes"), Some(1620));
        assert_eq!(
            parse("27 min 11 s (1631 s, from the UTC instants)"),
            Some(1631)
        );
        assert_eq!(parse("17m"), Some(1020));
        assert_eq!(parse("1 hour 5 minutes"), Some(3900));
        assert_eq!(parse("1h 5m"), Some(3900));
        assert_eq!(parse("unknown"), None);
    }
}
