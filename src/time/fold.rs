//! The policy that settles a fall-back fold when the line's own label does
//! not: the data (`zone::LocalReading::Fold`, both readings) stays apart
//! from the choice, as jiff keeps `AmbiguousOffset` apart from its
//! `Disambiguation`.
//!
//! Time does not run backwards within a source, so the earlier reading wins
//! unless it would put the line before what the source already said. A
//! backward step of a few seconds is jitter between writers, not the fold:
//! `01:50:00, 01:49:59, 01:50:01` must stay in the first pass through the
//! hour, where line order alone once moved the last two an hour later.

use chrono::{DateTime, Duration, Utc};

/// A backward step this small is jitter, by default.
pub const JITTER_S: i64 = 60;

/// How a fold is settled by order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoldPolicy {
    /// A line whose earlier reading is at most this far before the latest
    /// instant seen stays in the first pass.
    pub jitter: Duration,
}

impl Default for FoldPolicy {
    fn default() -> Self {
        FoldPolicy {
            jitter: Duration::seconds(JITTER_S),
        }
    }
}

/// What the policy chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldChoice {
    /// The first pass: nothing before it contradicts it.
    Earlier,
    /// The first pass, although it steps back by at most the jitter.
    EarlierDespiteJitter,
    /// The second pass: the earlier reading would run time backwards by
    /// more than the jitter.
    Later,
    /// Nothing before it in the source: the earlier reading, flagged.
    Unresolved,
}

impl FoldPolicy {
    /// Choose between the two readings of a folded local time, given the
    /// latest instant the source has placed so far.
    pub fn decide(&self, earlier: DateTime<Utc>, last: Option<DateTime<Utc>>) -> FoldChoice {
        match last {
            None => FoldChoice::Unresolved,
            Some(last) if earlier >= last => FoldChoice::Earlier,
            Some(last) if last - earlier <= self.jitter => FoldChoice::EarlierDespiteJitter,
            Some(_) => FoldChoice::Later,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// New York, 2018-11-04: 01:xx EDT is 05:xx Z, 01:xx EST is 06:xx Z.
    #[test]
    fn rows_around_the_new_york_fold() {
        let p = FoldPolicy::default();
        let rows = [
            // (earlier reading, latest seen, choice)
            ("2018-11-04T05:50:00Z", None, FoldChoice::Unresolved),
            (
                "2018-11-04T05:50:00Z",
                Some("2018-11-04T05:49:00Z"),
                FoldChoice::Earlier,
            ),
            (
                "2018-11-04T05:49:59Z",
                Some("2018-11-04T05:50:00Z"),
                FoldChoice::EarlierDespiteJitter,
            ),
            (
                "2018-11-04T05:49:00Z",
                Some("2018-11-04T05:50:00Z"),
                FoldChoice::EarlierDespiteJitter,
            ),
            (
                "2018-11-04T05:48:59Z",
                Some("2018-11-04T05:50:00Z"),
                FoldChoice::Later,
            ),
            // The real fold: 01:00:05 after 01:59:58 EDT steps back an hour.
            (
                "2018-11-04T05:00:05Z",
                Some("2018-11-04T05:59:58Z"),
                FoldChoice::Later,
            ),
        ];
        for (earlier, last, want) in rows {
            assert_eq!(
                p.decide(t(earlier), last.map(t)),
                want,
                "{earlier} after {last:?}"
            );
        }
    }
}
