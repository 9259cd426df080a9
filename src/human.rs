//! Numbers in words for people, shared by every stage that writes a
//! message (align, analysis, lint, pipeline findings) and by every output
//! in `report`: counts (`1 line`, `2 lines`) and durations (`27 min 11 s`).
//! They live here, not beside the stage that first needed them, so that a
//! stage does not import another stage to word a message, and so that
//! every output words a number the same way.
//!
//! A message that says `1 lines` or `1 failures` reads as a tool that does
//! not care, in a document whose point is care.

/// A span of seconds as people write it: `45 s`, `3 min 10 s`, `2 h 5 min`
/// (hours drop the seconds); a negative span keeps its sign, `-16 min`.
pub fn duration(secs: i64) -> String {
    let s = secs.abs();
    let sign = if secs < 0 { "-" } else { "" };
    if s < 60 {
        format!("{sign}{s} s")
    } else if s < 3600 {
        match s % 60 {
            0 => format!("{sign}{} min", s / 60),
            r => format!("{sign}{} min {r} s", s / 60),
        }
    } else {
        format!("{sign}{} h {} min", s / 3600, (s % 3600) / 60)
    }
}

/// `n` and the noun, plural unless `n` is 1: `count(1, "line")` is
/// `1 line`, `count(3, "line")` is `3 lines`. Nouns whose plural is not
/// `+s` go through `count_as`.
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    count_as(n, noun, &format!("{noun}s"))
}

/// `n` with an explicit singular and plural (`match`/`matches`).
pub fn count_as(n: impl Into<u64>, singular: &str, plural: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// The noun alone, in the number `n` asks for (`of 1 line`).
pub fn noun(n: impl Into<u64>, singular: &str) -> String {
    if n.into() == 1 {
        singular.to_string()
    } else {
        format!("{singular}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(count(1u64, "line"), "1 line");
        assert_eq!(count(0u64, "line"), "0 lines");
        assert_eq!(count(2u32, "failure"), "2 failures");
        assert_eq!(count_as(1u64, "match", "matches"), "1 match");
        assert_eq!(count_as(5u64, "match", "matches"), "5 matches");
        assert_eq!(noun(1u64, "line"), "line");
        assert_eq!(noun(7u64, "line"), "lines");
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(duration(0), "0 s");
        assert_eq!(duration(45), "45 s");
        assert_eq!(duration(960), "16 min");
        assert_eq!(duration(1631), "27 min 11 s");
        assert_eq!(duration(7500), "2 h 5 min");
        assert_eq!(duration(-960), "-16 min");
    }
}
