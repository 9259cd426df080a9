//! Reading a wall-clock time in an IANA zone, with DST ambiguity as data.
//!
//! `read_local` never picks a reading: a fall-back fold yields both, a
//! spring-forward gap yields none plus the offsets around it. The policy that
//! chooses lives in `resolve`, which records what it chose.

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetName, Tz};
use std::sync::Arc;

/// One way of reading a wall-clock time: the UTC instant, the offset and the
/// abbreviation the zone used for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub utc: DateTime<Utc>,
    pub offset_s: i32,
    /// Shared, so that a cached reading is cloned without allocating.
    pub abbrev: Arc<str>,
}

/// What a zone says about a local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalReading {
    Unique(Reading),
    /// The local time happened twice (fall back).
    Fold {
        earlier: Reading,
        later: Reading,
    },
    /// The local time never happened (spring forward). `before` reads it with
    /// the offset in force before the transition, `after` with the one after.
    Gap {
        before: Reading,
        after: Reading,
    },
}

/// Read `naive` as a wall-clock time in `tz`.
pub fn read_local(tz: Tz, naive: NaiveDateTime) -> LocalReading {
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(dt) => LocalReading::Unique(reading(&dt)),
        chrono::LocalResult::Ambiguous(a, b) => {
            let (a, b) = (reading(&a), reading(&b));
            let (earlier, later) = if a.utc <= b.utc { (a, b) } else { (b, a) };
            LocalReading::Fold { earlier, later }
        }
        chrono::LocalResult::None => {
            // Transitions are never less than a day apart in the tz database,
            // so the offsets a day either side are the ones around the gap.
            let probe = naive.and_utc();
            let before = tz.offset_from_utc_datetime(&(probe - Duration::days(1)).naive_utc());
            let after = tz.offset_from_utc_datetime(&(probe + Duration::days(1)).naive_utc());
            let (b, a) = (
                before.fix().local_minus_utc(),
                after.fix().local_minus_utc(),
            );
            LocalReading::Gap {
                before: with_offset(naive, b, Some(&name_or_numeric(before.abbreviation(), b))),
                after: with_offset(naive, a, Some(&name_or_numeric(after.abbreviation(), a))),
            }
        }
    }
}

fn reading(dt: &DateTime<Tz>) -> Reading {
    let off = dt.offset();
    let offset_s = off.fix().local_minus_utc();
    Reading {
        utc: dt.with_timezone(&Utc),
        offset_s,
        abbrev: Arc::from(name_or_numeric(off.abbreviation(), offset_s)),
    }
}

/// The tz database writes zones without a customary name as `+11`, `+1030`;
/// chrono-tz gives no abbreviation for them, so we spell the number.
fn name_or_numeric(abbrev: Option<&str>, offset_s: i32) -> String {
    match abbrev {
        Some(a) if !a.is_empty() => a.to_string(),
        _ => {
            let sign = if offset_s < 0 { '-' } else { '+' };
            let a = offset_s.unsigned_abs();
            let (h, m) = (a / 3600, (a % 3600) / 60);
            if m == 0 {
                format!("{sign}{h:02}")
            } else {
                format!("{sign}{h:02}{m:02}")
            }
        }
    }
}

/// Read `naive` with a fixed offset (seconds east of UTC).
pub fn with_offset(naive: NaiveDateTime, offset_s: i32, abbrev: Option<&str>) -> Reading {
    Reading {
        utc: utc_of(naive, offset_s),
        offset_s,
        abbrev: Arc::from(abbrev.unwrap_or("")),
    }
}

/// The instant a local reading at `offset_s` names: what `with_offset`
/// gives without the `Reading` (whose abbreviation, even an empty one, is
/// an allocation: one a line for RFC 5424 stamps; issue 16).
pub fn utc_of(naive: NaiveDateTime, offset_s: i32) -> DateTime<Utc> {
    (naive - Duration::seconds(i64::from(offset_s))).and_utc()
}

/// The abbreviation `tz` used at a UTC instant (`CST`, `CDT`, `+0530`…).
pub fn abbrev_at(tz: Tz, utc: DateTime<Utc>) -> String {
    let off = tz.offset_from_utc_datetime(&utc.naive_utc());
    name_or_numeric(off.abbreviation(), off.fix().local_minus_utc())
}

/// The offset `tz` was at a UTC instant.
pub fn offset_at(tz: Tz, utc: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&utc.naive_utc())
        .fix()
        .local_minus_utc()
}

/// Format an offset as `UTC−06:00` (with a real minus sign for humans) .
pub fn fmt_offset(offset_s: i32) -> String {
    let sign = if offset_s < 0 { '-' } else { '+' };
    let a = offset_s.unsigned_abs();
    format!("UTC{}{:02}:{:02}", sign, a / 3600, (a % 3600) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn naive(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// Rows probe both sides of real transitions in zones chosen for oddity.
    #[test]
    fn transitions_table() {
        use chrono_tz::{America, Asia, Australia, Europe, Pacific};
        struct Row(Tz, NaiveDateTime, &'static str);
        let rows = [
            // Chicago, founding case: February is CST.
            Row(
                America::Chicago,
                naive(2017, 2, 22, 21, 56),
                "U 2017-02-23T03:56:00Z CST",
            ),
            // Chicago spring forward 2017-03-12 02:00 → 03:00.
            Row(
                America::Chicago,
                naive(2017, 3, 12, 1, 59),
                "U 2017-03-12T07:59:00Z CST",
            ),
            Row(
                America::Chicago,
                naive(2017, 3, 12, 2, 30),
                "G 2017-03-12T08:30:00Z CST 2017-03-12T07:30:00Z CDT",
            ),
            Row(
                America::Chicago,
                naive(2017, 3, 12, 3, 0),
                "U 2017-03-12T08:00:00Z CDT",
            ),
            // Chicago fall back 2017-11-05 02:00 → 01:00.
            Row(
                America::Chicago,
                naive(2017, 11, 5, 0, 59),
                "U 2017-11-05T05:59:00Z CDT",
            ),
            Row(
                America::Chicago,
                naive(2017, 11, 5, 1, 30),
                "F 2017-11-05T06:30:00Z CDT 2017-11-05T07:30:00Z CST",
            ),
            Row(
                America::Chicago,
                naive(2017, 11, 5, 2, 0),
                "U 2017-11-05T08:00:00Z CST",
            ),
            // Berlin spring forward 2019-03-31 02:00 → 03:00.
            Row(
                Europe::Berlin,
                naive(2019, 3, 31, 2, 15),
                "G 2019-03-31T01:15:00Z CET 2019-03-31T00:15:00Z CEST",
            ),
            Row(
                Europe::Berlin,
                naive(2019, 10, 27, 2, 15),
                "F 2019-10-27T00:15:00Z CEST 2019-10-27T01:15:00Z CET",
            ),
            // Lord Howe: half-hour DST.
            Row(
                Australia::Lord_Howe,
                naive(2019, 4, 7, 1, 45),
                "F 2019-04-06T14:45:00Z +11 2019-04-06T15:15:00Z +1030",
            ),
            // Chatham: +12:45 / +13:45.
            Row(
                Pacific::Chatham,
                naive(2019, 1, 1, 0, 0),
                "U 2018-12-31T10:15:00Z +1345",
            ),
            // Kolkata: no DST, IST +05:30.
            Row(
                Asia::Kolkata,
                naive(2019, 7, 1, 12, 0),
                "U 2019-07-01T06:30:00Z IST",
            ),
            // Dublin: IST is summer time, +01:00.
            Row(
                Europe::Dublin,
                naive(2019, 7, 1, 12, 0),
                "U 2019-07-01T11:00:00Z IST",
            ),
        ];
        for Row(tz, n, want) in rows {
            let got = match read_local(tz, n) {
                LocalReading::Unique(r) => format!(
                    "U {} {}",
                    r.utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    r.abbrev
                ),
                LocalReading::Fold { earlier, later } => format!(
                    "F {} {} {} {}",
                    earlier
                        .utc
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    earlier.abbrev,
                    later.utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    later.abbrev
                ),
                LocalReading::Gap { before, after } => format!(
                    "G {} {} {} {}",
                    before
                        .utc
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    before.abbrev,
                    after.utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    after.abbrev
                ),
            };
            assert_eq!(got, want, "{tz} {n}");
        }
    }

    #[test]
    fn cache_agrees_with_direct_reads_across_transitions() {
        let mut cache = ReadingCache::default();
        let tz = chrono_tz::America::Chicago;
        // Every 7 minutes over both 2017 transitions.
        for (d0, d1) in [((3, 11), (3, 13)), ((11, 4), (11, 6))] {
            let mut n = naive(2017, d0.0, d0.1, 0, 0);
            let end = naive(2017, d1.0, d1.1, 0, 0);
            while n < end {
                assert_eq!(cache.read(tz, n), read_local(tz, n), "{n}");
                n += Duration::minutes(7);
            }
        }
    }

    #[test]
    fn abbrev_and_offset_at() {
        let t = utc("2017-02-23T03:56:00Z");
        assert_eq!(abbrev_at(chrono_tz::America::Chicago, t), "CST");
        assert_eq!(offset_at(chrono_tz::America::Chicago, t), -21600);
        assert_eq!(fmt_offset(-21600), "UTC-06:00");
        assert_eq!(fmt_offset(19800), "UTC+05:30");
    }
}

/// A one-entry cache of zone readings by 15-minute bucket of local time.
/// Log lines arrive in time order, so most lines hit the bucket of the line
/// before; a bucket is cached only when its first and last second read the
/// same single offset (no transition inside), so the cache never changes an
/// answer.
#[derive(Debug, Default)]
pub struct ReadingCache {
    entry: Option<(Tz, i64, i32, Arc<str>)>,
}

pub(crate) const BUCKET_S: i64 = 900;

impl ReadingCache {
    /// The cached offset for `naive` when its bucket is cached (one
    /// offset throughout), without building a `Reading`: a line with no
    /// label needs neither the abbreviation nor its reference count (two
    /// atomic operations a line; issue 16).
    pub fn cached_offset(&self, tz: Tz, naive: NaiveDateTime) -> Option<i32> {
        self.hit(tz, naive).map(|(off, _)| off)
    }

    /// Whether the wall time `local_s` (seconds as if the wall clock were
    /// UTC) is in the cached bucket of `tz`.
    pub fn covers(&self, tz: Tz, local_s: i64) -> bool {
        matches!(&self.entry, Some((ctz, b, _, _)) if *ctz == tz && *b == local_s.div_euclid(BUCKET_S))
    }

    /// The cached offset and abbreviation, when `naive` is in the cached
    /// bucket of `tz`.
    fn hit(&self, tz: Tz, naive: NaiveDateTime) -> Option<(i32, &Arc<str>)> {
        let (ctz, b, off, ab) = self.entry.as_ref()?;
        let bucket = naive.and_utc().timestamp().div_euclid(BUCKET_S);
        (*ctz == tz && *b == bucket).then_some((*off, ab))
    }

    pub fn read(&mut self, tz: Tz, naive: NaiveDateTime) -> LocalReading {
        if let Some((off, ab)) = self.hit(tz, naive) {
            return LocalReading::Unique(Reading {
                utc: (naive - Duration::seconds(i64::from(off))).and_utc(),
                offset_s: off,
                abbrev: ab.clone(),
            });
        }
        let secs = naive.and_utc().timestamp();
        let bucket = secs.div_euclid(BUCKET_S);
        let reading = read_local(tz, naive);
        if let LocalReading::Unique(r) = &reading {
            let first = naive - Duration::seconds(secs - bucket * BUCKET_S);
            let last = first + Duration::seconds(BUCKET_S - 1);
            let same = |n: NaiveDateTime| matches!(read_local(tz, n), LocalReading::Unique(x) if x.offset_s == r.offset_s && x.abbrev == r.abbrev);
            if same(first) && same(last) {
                self.entry = Some((tz, bucket, r.offset_s, r.abbrev.clone()));
            }
        }
        reading
    }
}
