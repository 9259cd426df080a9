//! Timestamps as written in a line, before any zone or year is applied.
//!
//! A `Stamp` records exactly what the text said: a wall-clock reading that
//! may lack a year, an offset written in the line, or an epoch. It refuses to
//! guess; `time::resolve` turns it into a UTC instant with provenance.
//!
//! The nom parsers here are the time types of the grammar pattern language
//! (`bsd`, `iso`, `iso_t`, `epoch`, `mdy12`, `ctime`, `compact`, `clf`) and its zone
//! label (`tz_abbrev`, `label_offset`).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use nom::{
    branch::alt,
    bytes::complete::take_while_m_n,
    character::complete::{char, one_of, space0, space1},
    combinator::{opt, recognize},
    sequence::{preceded, tuple},
    IResult,
};

/// A wall-clock reading. `year` is `None` for year-less formats (BSD syslog,
/// Cisco IOS without `service timestamps ... year`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClock {
    pub year: Option<i32>,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanos: u32,
    /// Digits after the decimal point (0 = whole seconds, -1 = whole minutes):
    /// the precision the line promised, used for uncertainty.
    pub frac_digits: i8,
}

impl WallClock {
    /// The naive date-time in `year` (the stamp's own year wins).
    pub fn naive(&self, year: i32) -> Option<NaiveDateTime> {
        let date = NaiveDate::from_ymd_opt(self.year.unwrap_or(year), self.month, self.day)?;
        let time = NaiveTime::from_hms_nano_opt(self.hour, self.minute, self.second, self.nanos)?;
        Some(NaiveDateTime::new(date, time))
    }

    /// Why `naive(year)` has no answer, in words a finding can quote:
    /// `Feb 29 does not exist in 2017 (not a leap year)`, `Apr 31 does not
    /// exist`, `24:00:00 is not a time of day`. `None` when it has one.
    /// Parsing never checks the calendar (a year-less `Feb 29` is a real
    /// date in a leap year): the time stage does, with the year it chose,
    /// and reports the line as undatable with this reason.
    pub fn impossible(&self, year: i32) -> Option<String> {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let y = self.year.unwrap_or(year);
        let Some(name) = (self.month as usize)
            .checked_sub(1)
            .and_then(|m| MONTHS.get(m))
        else {
            return Some(format!("month {} does not exist", self.month));
        };
        if NaiveDate::from_ymd_opt(y, self.month, self.day).is_none() {
            let leap = NaiveDate::from_ymd_opt(2000, self.month, self.day).is_some();
            return Some(if leap {
                format!(
                    "{name} {} does not exist in {y} (not a leap year)",
                    self.day
                )
            } else {
                format!("{name} {} does not exist", self.day)
            });
        }
        if NaiveTime::from_hms_nano_opt(self.hour, self.minute, self.second, self.nanos).is_none() {
            return Some(format!(
                "{:02}:{:02}:{:02} is not a time of day",
                self.hour, self.minute, self.second
            ));
        }
        None
    }
}

/// What a timestamp field said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// Local wall-clock time; the zone comes from an abbreviation field or the source.
    Wall(WallClock),
    /// Wall-clock time with a numeric offset (or `Z`, offset 0) written in the line.
    Offset { wall: WallClock, offset_s: i32 },
    /// Seconds since the Unix epoch, as Nagios writes them.
    Epoch { secs: i64, nanos: u32 },
}

impl Stamp {
    /// The precision the text promised, in milliseconds (at least 1).
    pub fn precision_ms(&self) -> u32 {
        let digits = match self {
            Stamp::Wall(w) | Stamp::Offset { wall: w, .. } => w.frac_digits,
            Stamp::Epoch { nanos, .. } => {
                if *nanos == 0 {
                    0
                } else {
                    3
                }
            }
        };
        match digits {
            d if d < 0 => 60_000,
            0 => 1000,
            1 => 100,
            2 => 10,
            _ => 1,
        }
    }

    /// Whether the stamp fixes the year by itself.
    pub fn has_year(&self) -> bool {
        match self {
            Stamp::Wall(w) => w.year.is_some(),
            Stamp::Offset { .. } | Stamp::Epoch { .. } => true,
        }
    }
}

type Res<'a, T> = IResult<&'a str, T>;

/// `min` to `max` ASCII digits as a number. Hand-rolled: it runs for every
/// field of every timestamp, and `str::parse` behind nom's `map_res` cost a
/// tenth of a whole run.
fn num<T: TryFrom<u64>>(min: usize, max: usize) -> impl FnMut(&str) -> Res<'_, T> {
    move |i: &str| {
        let b = i.as_bytes();
        let mut n: u64 = 0;
        let mut k = 0;
        while k < max && k < b.len() && b[k].is_ascii_digit() {
            n = n * 10 + u64::from(b[k] - b'0');
            k += 1;
        }
        if k < min {
            return Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::Digit,
            )));
        }
        match T::try_from(n) {
            Ok(v) => Ok((&i[k..], v)),
            Err(_) => Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::MapRes,
            ))),
        }
    }
}

/// `Jan`..`Dec`, any case (rsyslog's testbench has `AUG`).
pub fn month_abbr(i: &str) -> Res<'_, u32> {
    let b = i.as_bytes();
    if b.len() < 3 {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Tag,
        )));
    }
    // Lower case by setting each byte's 0x20 bit: against lower-case
    // letters that is exact (only `A`..`Z` become them), and the three
    // bytes compare as one word.
    const fn word(s: &[u8; 3]) -> u32 {
        s[0] as u32 | (s[1] as u32) << 8 | (s[2] as u32) << 16
    }
    const MONTHS: [u32; 12] = [
        word(b"jan"),
        word(b"feb"),
        word(b"mar"),
        word(b"apr"),
        word(b"may"),
        word(b"jun"),
        word(b"jul"),
        word(b"aug"),
        word(b"sep"),
        word(b"oct"),
        word(b"nov"),
        word(b"dec"),
    ];
    let m = word(&[b[0], b[1], b[2]]) | 0x0020_2020;
    let month = match MONTHS.iter().position(|&w| w == m) {
        Some(k) => k as u32 + 1,
        _ => {
            return Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::Tag,
            )))
        }
    };
    Ok((&i[3..], month))
}

/// `hh:mm:ss` with an optional `.123` or `,123` fraction. A trailing `:` is
/// left alone, so that rsyslog's `19:06:53:` keeps its separator.
fn clock(i: &str) -> Res<'_, (u32, u32, u32, u32, i8)> {
    // The parsers in turn, not through `tuple`: the same first error
    // (`fraction_is_the_combinators` compares both ways).
    let (i, h) = num(1, 2)(i)?;
    let (i, _) = char(':')(i)?;
    let (i, m) = num(2, 2)(i)?;
    let (i, _) = char(':')(i)?;
    let (i, s) = num(2, 2)(i)?;
    let (i, (nanos, digits)) = fraction(".,")(i)?;
    Ok((i, (h, m, s, nanos, digits)))
}

/// The most fraction digits a stamp may carry: nanoseconds, what every
/// clock and `Stamp` can hold (RFC 5424 §6.2.3 allows only 6; Go's
/// `RFC3339Nano` writes 9).
pub const MAX_FRACTION_DIGITS: usize = 9;

/// An optional fraction after one of `seps`: `(nanos, digits)`, `(0, 0)`
/// when there is none. More than nine digits is a hard error, not a value
/// cut to nanoseconds: `22:14:15.0030000001` claims a precision rfo cannot
/// keep, and truncating it silently would change the instant the line
/// states. The error is a `Failure` so that no `opt` around it reads the
/// whole seconds and leaves the fraction behind as if it were other text.
fn fraction(seps: &'static str) -> impl Fn(&str) -> Res<'_, (u32, i8)> {
    // By bytes (`fraction_at`): read through `strip_prefix` and nom's
    // `digit1` this was 250 instructions an RFC 5424 stamp (issue 16);
    // `fraction_is_the_combinators` holds the two equal.
    move |i: &str| match fraction_at(i.as_bytes(), seps.as_bytes()) {
        // The separators are ASCII, so what was read ends at a boundary.
        Some((took, nanos, digits)) => Ok((&i[took..], (nanos, digits))),
        None => Err(nom::Err::Failure(nom::error::Error::new(
            i,
            nom::error::ErrorKind::TooLarge,
        ))),
    }
}

/// `fraction`'s reading of `b`: `(bytes read, nanos, digits)`, `(0, 0, 0)`
/// when there is no fraction, `None` for more than nine digits. Inlined,
/// so the fixed-place stamp readers pay no call for it.
#[inline(always)]
fn fraction_at(b: &[u8], seps: &[u8]) -> Option<(usize, u32, i8)> {
    const SCALE: [u32; 10] = [
        1_000_000_000,
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ];
    if !b.first().is_some_and(|c| seps.contains(c)) {
        return Some((0, 0, 0));
    }
    let mut n: u32 = 0;
    let mut len = 0;
    while let Some(&c) = b.get(1 + len) {
        let v = c.wrapping_sub(b'0');
        if v >= 10 {
            break;
        }
        if len == MAX_FRACTION_DIGITS {
            return None;
        }
        n = n * 10 + u32::from(v);
        len += 1;
    }
    if len == 0 {
        return Some((0, 0, 0));
    }
    Some((1 + len, n * SCALE[len], len as i8))
}

/// BSD syslog time: `Feb 22 21:56:04`, `Feb  2 01:02:03`, `Mar 7 2008 19:06:53`,
/// `Feb 22 21:56:03.120`, and the year-first form Cisco NX-OS and some IOS
/// images print, `2023 May  2 12:55:19` (`cisco_ios_test-yearfirst-timestamp.log`).
/// Parsing never checks the calendar; `resolve` does.
pub fn bsd(i: &str) -> Res<'_, WallClock> {
    match bsd_common(i) {
        Some(read) => Ok(read),
        None => bsd_general(i),
    }
}

/// The shape nearly every BSD stamp has, `Feb 22 21:56:04` or `Feb  2
/// 01:02:03` with one blank between the fields and a two-digit hour, read
/// at fixed places; `None` for anything else, which `bsd_general` reads.
/// Through the parsers a stamp cost 430 instructions, 7 % of a BSD syslog
/// line's (issue 16); `bsd_common_is_bsd_general` holds the two equal.
fn bsd_common(i: &str) -> Option<(&str, WallClock)> {
    let b = i.as_bytes();
    if b.len() < 14 || b[3] != b' ' {
        return None;
    }
    // The month, day, hour and minute lie in the first 12 bytes whichever
    // the day's width: read them once a minute (`BsdMinute`).
    let key: [u8; 12] = b[..12].try_into().ok()?;
    let minute = match BSD_MINUTE.get() {
        Some(m) if m.key == key => m,
        _ => {
            let m = bsd_minute(i, key)?;
            BSD_MINUTE.set(Some(m));
            m
        }
    };
    let at = usize::from(minute.at);
    let t = b.get(at..at + 8)?;
    if t[5] != b':' {
        return None;
    }
    let second = two_digits(t, 6)?;
    let (took, nanos, frac_digits) = fraction_at(&b[at + 8..], b".,")?;
    // Past the seconds what was read is ASCII: a boundary.
    Some((
        &i[at + 8 + took..],
        WallClock {
            year: None,
            month: u32::from(minute.month),
            day: u32::from(minute.day),
            hour: u32::from(minute.hour),
            minute: u32::from(minute.minute),
            second,
            nanos,
            frac_digits,
        },
    ))
}

/// What the first 12 bytes of a BSD stamp say, and where its clock starts
/// (`Feb  2 01:02` and `Feb 2 01:02:` alike). A BSD log's lines come a
/// minute's worth at a time: read through the bytes, the month, day, hour
/// and minute were 120 of a stamp's 170 instructions (issue 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BsdMinute {
    key: [u8; 12],
    at: u8,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
}

/// What `BsdMinute` is to ISO stamps: the first 16 bytes,
/// `2017-03-09T01:39`, and what they say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IsoMinute {
    key: [u8; 16],
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
}

thread_local! {
    /// The minute of the last BSD stamp read on this thread. A stretch of
    /// a file is read on one thread, so its lines mostly meet their own
    /// minute; whatever was read before, on any file, a stamp with other
    /// bytes is read in full: the memo only answers for bytes it has read.
    /// One minute in a `Cell`, not ISO's slots behind a `RefCell`: a BSD
    /// log writes one wall clock, and one generic memo for both cost
    /// 6.8 M instructions more on the bench bundle (issue 16).
    static BSD_MINUTE: std::cell::Cell<Option<BsdMinute>> = const { std::cell::Cell::new(None) };
    /// As `BSD_MINUTE`, for ISO stamps, a few minutes at once: an
    /// RFC 5424 log's hosts write each in its own offset (the bench
    /// bundle's `app.log` interleaves -06:00, `Z` and +01:00 lines).
    static ISO_MINUTES: std::cell::RefCell<IsoMinutes> = const {
        std::cell::RefCell::new(IsoMinutes { slots: [None; ISO_SLOTS], next: 0 })
    };
}

/// How many ISO minutes a thread remembers.
const ISO_SLOTS: usize = 4;

/// The last few ISO minutes read, the oldest replaced first.
#[derive(Debug)]
struct IsoMinutes {
    slots: [Option<IsoMinute>; ISO_SLOTS],
    next: usize,
}

impl IsoMinutes {
    /// What `key` says: remembered, or read and remembered.
    #[inline(always)]
    fn minute(&mut self, key: [u8; 16]) -> Option<IsoMinute> {
        if let Some(m) = self.slots.iter().flatten().find(|m| m.key == key) {
            return Some(*m);
        }
        let m = iso_minute(key)?;
        self.slots[self.next] = Some(m);
        self.next = (self.next + 1) % ISO_SLOTS;
        Some(m)
    }
}

/// The month, day, hour and minute `key` (the first 12 bytes of `i`)
/// spells, as `bsd_common` reads them; `None` when they are not a BSD
/// stamp's beginning it reads.
fn bsd_minute(i: &str, key: [u8; 12]) -> Option<BsdMinute> {
    let b = &key;
    let (_, month) = month_abbr(i).ok()?;
    let d = |c: u8| c.is_ascii_digit().then(|| u32::from(c - b'0'));
    let (day, at) = match (b[4], b[5], b[6]) {
        (b' ', x, b' ') => (d(x)?, 7),
        (x, b' ', _) => (d(x)?, 6),
        (x, y, b' ') => (d(x)? * 10 + d(y)?, 7),
        _ => return None,
    };
    let t = &b[at..];
    if t[2] != b':' {
        return None;
    }
    let (hour, minute) = (two_digits(t, 0)?, two_digits(t, 3)?);
    Some(BsdMinute {
        key,
        at: at as u8,
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
    })
}

/// Two ASCII digits at `b[k..k + 2]`.
#[inline(always)]
fn two_digits(b: &[u8], k: usize) -> Option<u32> {
    let (x, y) = (b[k].wrapping_sub(b'0'), b[k + 1].wrapping_sub(b'0'));
    (x < 10 && y < 10).then(|| u32::from(x) * 10 + u32::from(y))
}

/// Every form `bsd` reads, through the parsers.
fn bsd_general(i: &str) -> Res<'_, WallClock> {
    let (i, year_first) = opt(|i| {
        let (i, y) = num::<i32>(4, 4)(i)?;
        let (i, _) = space1(i)?;
        Ok((i, y))
    })(i)?;
    let (i, month) = month_abbr(i)?;
    let (i, _) = space1(i)?;
    let (i, day) = num(1, 2)(i)?;
    let (i, _) = space1(i)?;
    let (i, year) = match year_first {
        Some(y) => (i, Some(y)),
        None => opt(|i| {
            let (i, y) = num::<i32>(4, 4)(i)?;
            let (i, _) = space1(i)?;
            Ok((i, y))
        })(i)?,
    };
    let (i, (hour, minute, second, nanos, frac_digits)) = clock(i)?;
    Ok((
        i,
        WallClock {
            year,
            month,
            day,
            hour,
            minute,
            second,
            nanos,
            frac_digits,
        },
    ))
}

/// C `asctime` form, as Nagios writes it with `date_format=us`-less builds
/// (`ranklog_nagios.log`): `Tue Jan 12 00:00:00 2016`. The weekday is read
/// but not checked against the date.
pub fn ctime(i: &str) -> Res<'_, WallClock> {
    let (i, _) = take_while_m_n(3, 3, |c: char| c.is_ascii_alphabetic())(i)?;
    let (i, _) = space1(i)?;
    let (i, month) = month_abbr(i)?;
    let (i, _) = space1(i)?;
    let (i, day) = num(1, 2)(i)?;
    let (i, _) = space1(i)?;
    let (i, (hour, minute, second, nanos, frac_digits)) = clock(i)?;
    let (i, _) = space1(i)?;
    let (i, year) = num::<i32>(4, 4)(i)?;
    Ok((
        i,
        WallClock {
            year: Some(year),
            month,
            day,
            hour,
            minute,
            second,
            nanos,
            frac_digits,
        },
    ))
}

/// Zabbix daemon logs: `20240127:094401.015` (local time, milliseconds).
pub fn compact(i: &str) -> Res<'_, WallClock> {
    let (i, (year, month, day)) = tuple((num::<i32>(4, 4), num(2, 2), num(2, 2)))(i)?;
    let (i, _) = char(':')(i)?;
    let (i, (hour, minute, second)) = tuple((num(2, 2), num(2, 2), num(2, 2)))(i)?;
    let (i, (nanos, frac_digits)) = fraction(".")(i)?;
    Ok((
        i,
        WallClock {
            year: Some(year),
            month,
            day,
            hour,
            minute,
            second,
            nanos,
            frac_digits,
        },
    ))
}

/// Access-log time (Apache/nginx `%t`, HAProxy's accept date):
/// `10/Oct/2000:13:55:36 -0700`, `25/Feb/2019:16:19:48.143`. The offset
/// after one blank is optional (HAProxy writes none: a wall-clock reading).
pub fn clf(i: &str) -> Res<'_, Stamp> {
    let (i, day) = num(2, 2)(i)?;
    let (i, _) = char('/')(i)?;
    let (i, month) = month_abbr(i)?;
    let (i, _) = char('/')(i)?;
    let (i, year) = num::<i32>(4, 4)(i)?;
    let (i, _) = char(':')(i)?;
    let (i, (hour, minute, second)) = tuple((
        num(2, 2),
        preceded(char(':'), num(2, 2)),
        preceded(char(':'), num(2, 2)),
    ))(i)?;
    let (i, (nanos, frac_digits)) = fraction(".")(i)?;
    let wall = WallClock {
        year: Some(year),
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        frac_digits,
    };
    match opt(preceded(char(' '), offset))(i)? {
        (i, Some(offset_s)) => Ok((i, Stamp::Offset { wall, offset_s })),
        (i, None) => Ok((i, Stamp::Wall(wall))),
    }
}

/// A numeric offset `Z`, `+hh:mm`, `+hhmm`, `+hh`. Returns seconds east of UTC.
pub fn offset(i: &str) -> Res<'_, i32> {
    alt((
        |i| {
            let (i, _) = one_of("Zz")(i)?;
            Ok((i, 0))
        },
        |i| {
            let (i, sign) = one_of("+-")(i)?;
            let (i, h) = num::<i32>(2, 2)(i)?;
            let (i, m) = opt(preceded(opt(char(':')), num::<i32>(2, 2)))(i)?;
            let s = h * 3600 + m.unwrap_or(0) * 60;
            if h > 23 {
                return Err(nom::Err::Error(nom::error::Error::new(
                    i,
                    nom::error::ErrorKind::Verify,
                )));
            }
            Ok((i, if sign == '-' { -s } else { s }))
        },
    ))(i)
}

/// ISO 8601 / RFC 3339: `2017-02-22T21:56:04`, with `T` or one space, optional
/// fraction (at most nine digits), optional offset. Without an offset it is
/// a wall-clock reading. `t` and `z` may be lower case (RFC 3339 §5.6, the
/// note under the grammar), both or either.
pub fn iso(i: &str) -> Res<'_, Stamp> {
    match iso_common(i) {
        Some(read) => Ok(read),
        None => iso_general(i),
    }
}

/// `2017-03-09T01:39:52.310-06:00` and its kin (`T`, `t` or a blank; any
/// fraction; `Z`, `z`, `±hh:mm` or no offset) read at fixed places; `None`
/// for anything else, which `iso_general` reads. Through the parsers an
/// RFC 5424 stamp cost 670 instructions, 8 % of the line's (issue 16);
/// `iso_common_is_iso_general` holds the two equal.
fn iso_common(i: &str) -> Option<(&str, Stamp)> {
    let all = i.as_bytes();
    let b = all.get(..19)?;
    if b[16] != b':' {
        return None;
    }
    // Date, hour and minute are the first 16 bytes: read once a minute
    // (`IsoMinute`).
    let key: [u8; 16] = b[..16].try_into().ok()?;
    let m = ISO_MINUTES.with_borrow_mut(|seen| seen.minute(key))?;
    let second = two_digits(b, 17)?;
    let (took, nanos, frac_digits) = fraction_at(&all[19..], b".,")?;
    // What was read is ASCII: a boundary.
    let rest = &i[19 + took..];
    let wall = WallClock {
        year: Some(i32::from(m.year)),
        month: u32::from(m.month),
        day: u32::from(m.day),
        hour: u32::from(m.hour),
        minute: u32::from(m.minute),
        second,
        nanos,
        frac_digits,
    };
    let r = rest.as_bytes();
    match r.first() {
        Some(b'Z' | b'z') => Some((&rest[1..], Stamp::Offset { wall, offset_s: 0 })),
        Some(&sign @ (b'+' | b'-')) => {
            let o = r.get(1..6)?;
            let (h, m) = (two_digits(o, 0)?, two_digits(o, 3)?);
            if o[2] != b':' || h > 23 {
                return None;
            }
            let s = (h * 3600 + m * 60) as i32;
            let offset_s = if sign == b'-' { -s } else { s };
            Some((&rest[6..], Stamp::Offset { wall, offset_s }))
        }
        _ => Some((rest, Stamp::Wall(wall))),
    }
}

/// The date, hour and minute the first 16 bytes of an ISO stamp spell, as
/// `iso_common` reads them.
fn iso_minute(key: [u8; 16]) -> Option<IsoMinute> {
    let b = &key;
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return None;
    }
    let year = two_digits(b, 0)? * 100 + two_digits(b, 2)?;
    let (month, day) = (two_digits(b, 5)?, two_digits(b, 8)?);
    let (hour, minute) = (two_digits(b, 11)?, two_digits(b, 14)?);
    Some(IsoMinute {
        key,
        year: year as u16,
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
    })
}

/// Every form `iso` reads, through the parsers.
fn iso_general(i: &str) -> Res<'_, Stamp> {
    let (i, (year, _, month, _, day)) =
        tuple((num::<i32>(4, 4), char('-'), num(2, 2), char('-'), num(2, 2)))(i)?;
    let (i, _) = one_of("Tt ")(i)?;
    let (i, (hour, minute, second, nanos, frac_digits)) = clock(i)?;
    let wall = WallClock {
        year: Some(year),
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        frac_digits,
    };
    match opt(offset)(i)? {
        (i, Some(offset_s)) => Ok((i, Stamp::Offset { wall, offset_s })),
        (i, None) => Ok((i, Stamp::Wall(wall))),
    }
}

/// ISO 8601 with the `T` separator only (RFC 3339 and its offset-less
/// cousin), the form syslog daemons write. A space-separated date-time
/// (`2017-02-23 03:56:03,123 INFO`) is an application log, not a syslog
/// header, and is left to the `iso` grammar.
pub fn iso_t(i: &str) -> Res<'_, Stamp> {
    match i.as_bytes().get(10) {
        Some(b'T' | b't') => iso(i),
        _ => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Char,
        ))),
    }
}

/// Epoch seconds with an optional fraction (`1487822220`, `1487822220.5`).
pub fn epoch(i: &str) -> Res<'_, Stamp> {
    let (i, secs) = num::<i64>(1, 12)(i)?;
    let (i, (nanos, _)) = fraction(".")(i)?;
    Ok((i, Stamp::Epoch { secs, nanos }))
}

/// Statuspage's display form: `Feb 23, 2017, 04:10 AM` (minute precision).
pub fn mdy12(i: &str) -> Res<'_, WallClock> {
    let (i, month) = month_abbr(i)?;
    let (i, _) = space1(i)?;
    let (i, day) = num(1, 2)(i)?;
    let (i, _) = tuple((char(','), space0))(i)?;
    let (i, year) = num::<i32>(4, 4)(i)?;
    let (i, _) = tuple((opt(char(',')), space1))(i)?;
    let (i, (h, _, minute)) = tuple((num::<u32>(1, 2), char(':'), num(2, 2)))(i)?;
    let (i, _) = space0(i)?;
    let (i, ampm) = recognize(tuple((one_of("AaPp"), one_of("Mm"))))(i)?;
    if !(1..=12).contains(&h) {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        )));
    }
    let pm = ampm.eq_ignore_ascii_case("pm");
    let hour = match (h, pm) {
        (12, false) => 0,
        (12, true) => 12,
        (h, false) => h,
        (h, true) => h + 12,
    };
    Ok((
        i,
        WallClock {
            year: Some(year),
            month,
            day,
            hour,
            minute,
            second: 0,
            nanos: 0,
            frac_digits: -1,
        },
    ))
}

/// A time-zone label as devices print it: 2 to 6 ASCII letters, all capitals
/// (`CST`, `CEST`, `METDST`) or all lower case (`mdt`, seen on IOS-XE), with an
/// optional numeric offset suffix (`UTC+1`, `UTC+07:30`). Mixed case is not
/// a label (`Interface` must not read as one).
pub fn tz_abbrev(i: &str) -> Res<'_, &str> {
    let letters = i
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .take(7)
        .count();
    let word = &i[..letters];
    let same_case = word.bytes().all(|b| b.is_ascii_uppercase())
        || word.bytes().all(|b| b.is_ascii_lowercase());
    if !(2..=6).contains(&letters) || !same_case {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        )));
    }
    let mut end = letters;
    if let Ok((rest, _)) = label_suffix(&i[letters..]) {
        end = i.len() - rest.len();
    }
    let rest = &i[end..];
    if rest.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        )));
    }
    Ok((rest, &i[..end]))
}

/// `+1`, `-05`, `+07:30`, `+0530` after a label.
fn label_suffix(i: &str) -> Res<'_, i32> {
    let (i, sign) = one_of("+-")(i)?;
    let (i, h) = num::<i32>(1, 2)(i)?;
    let (i, m) = opt(preceded(opt(char(':')), num::<i32>(2, 2)))(i)?;
    if h > 14 || m.unwrap_or(0) > 59 {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        )));
    }
    let s = h * 3600 + m.unwrap_or(0) * 60;
    Ok((i, if sign == '-' { -s } else { s }))
}

/// The offset a label states by itself: `UTC`/`GMT` with a numeric suffix
/// (`UTC+1` is +01:00, `GMT-05:00` is −05:00). Plain `UTC`, `GMT` and every
/// other abbreviation return `None`: they are evidence for `resolve` to weigh,
/// not offsets.
pub fn label_offset(label: &str) -> Option<i32> {
    let rest = label
        .strip_prefix("UTC")
        .or_else(|| label.strip_prefix("GMT"))
        .or_else(|| label.strip_prefix("utc"))
        .or_else(|| label.strip_prefix("gmt"))?;
    match label_suffix(rest) {
        Ok(("", off)) => Some(off),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nom::character::complete::digit1;

    /// `fraction` as it was written with nom's combinators: the reference.
    fn fraction_combinators(seps: &'static str) -> impl Fn(&str) -> Res<'_, (u32, i8)> {
        move |i: &str| {
            let Some(rest) = i.strip_prefix(|c: char| seps.contains(c)) else {
                return Ok((i, (0, 0)));
            };
            let (rest, digits) = match digit1::<_, nom::error::Error<&str>>(rest) {
                Ok(ok) => ok,
                Err(_) => return Ok((i, (0, 0))),
            };
            if digits.len() > MAX_FRACTION_DIGITS {
                return Err(nom::Err::Failure(nom::error::Error::new(
                    i,
                    nom::error::ErrorKind::TooLarge,
                )));
            }
            let mut n: u32 = 0;
            for (k, c) in digits.bytes().enumerate() {
                n += u32::from(c - b'0') * 10u32.pow(8 - k as u32);
            }
            Ok((rest, (n, digits.len() as i8)))
        }
    }

    /// `clock` as it was written with `tuple`.
    fn clock_combinators(i: &str) -> Res<'_, (u32, u32, u32, u32, i8)> {
        let (i, (h, _, m, _, s)) =
            tuple((num(1, 2), char(':'), num(2, 2), char(':'), num(2, 2)))(i)?;
        let (i, (nanos, digits)) = fraction_combinators(".,")(i)?;
        Ok((i, (h, m, s, nanos, digits)))
    }

    /// Every string of up to seven characters over an alphabet that
    /// reaches each branch (separators, digits, a colon, a letter, a
    /// two-byte character), and runs of 8 to 12 digits: the hand-written
    /// `fraction` and `clock` give what the combinators gave, errors and
    /// their positions included.
    #[test]
    fn fraction_is_the_combinators() {
        let alphabet = ['.', ',', '0', '7', '9', ':', 'Z', 'é'];
        let mut inputs: Vec<String> = vec![String::new()];
        let mut layer: Vec<String> = vec![String::new()];
        for _ in 0..7 {
            layer = layer
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            inputs.extend(layer.iter().cloned());
        }
        for n in 8..=12 {
            for sep in [".", ","] {
                inputs.push(format!("{sep}{}", "1234567890123".get(..n).unwrap()));
                inputs.push(format!("{sep}{}x", "9876543210987".get(..n).unwrap()));
                inputs.push(format!(
                    "12:34:56{sep}{}",
                    "1234567890123".get(..n).unwrap()
                ));
            }
        }
        for i in &inputs {
            for seps in [".,", "."] {
                assert_eq!(
                    fraction(seps)(i),
                    fraction_combinators(seps)(i),
                    "{i:?} {seps:?}"
                );
            }
            assert_eq!(clock(i), clock_combinators(i), "{i:?}");
        }
        assert_eq!(fraction(".,")(".5 x"), Ok((" x", (500_000_000, 1))));
    }

    /// Each of `bases` cut at every length, and with each character
    /// replaced by, and preceded by, each of `alphabet`.
    fn mutations(bases: &[&str], alphabet: &[char]) -> Vec<String> {
        let mut inputs = Vec::new();
        for base in bases {
            let chars: Vec<char> = base.chars().collect();
            for k in 0..=chars.len() {
                inputs.push(chars[..k].iter().collect::<String>());
                for &c in alphabet {
                    let mut v = chars.clone();
                    if k < v.len() {
                        v[k] = c;
                        inputs.push(v.iter().collect());
                        v[k] = chars[k];
                    }
                    v.insert(k, c);
                    inputs.push(v.iter().collect());
                }
            }
        }
        inputs
    }

    /// The fixed-place read gives what the parsers give wherever it reads,
    /// and the two together (`whole`) give it everywhere; and the
    /// fixed-place read is taken, not only declined.
    fn agrees<T: PartialEq + std::fmt::Debug>(
        inputs: &[String],
        common: fn(&str) -> Option<(&str, T)>,
        general: fn(&str) -> Res<'_, T>,
        whole: fn(&str) -> Res<'_, T>,
    ) {
        let mut taken = 0;
        for i in inputs {
            if let Some(read) = common(i) {
                taken += 1;
                assert_eq!(Ok(read), general(i), "{i:?}");
            }
            assert_eq!(whole(i), general(i), "{i:?}");
        }
        assert!(taken > inputs.len() / 6, "{taken} of {}", inputs.len());
    }

    /// The month as one word with its case bits set reads exactly what
    /// lower-casing each byte read: every triple of letters in both cases,
    /// their neighbours (`@`, `[`, `` ` ``, `{`), digits, a blank and
    /// non-ASCII bytes.
    #[test]
    fn month_abbr_is_lower_cased_bytes() {
        let reference = |t: &[u8]| -> Option<u32> {
            let m = [t[0], t[1], t[2]].map(|c| c.to_ascii_lowercase());
            let names = [
                b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct",
                b"nov", b"dec",
            ];
            names.iter().position(|n| **n == m).map(|k| k as u32 + 1)
        };
        let mut bytes: Vec<u8> = (b'A'..=b'Z').chain(b'a'..=b'z').collect();
        bytes.extend(*b"@[`{09 \x7f");
        for &a in &bytes {
            for &b in &bytes {
                for &c in &bytes {
                    let t = [a, b, c, b' '];
                    let text = std::str::from_utf8(&t).unwrap();
                    let got = month_abbr(text).ok().map(|(r, m)| (r.len(), m));
                    assert_eq!(got, reference(&t).map(|m| (1, m)), "{text:?}");
                }
            }
        }
        // Bytes with the high bit (UTF-8 letters) are never a month.
        assert!(month_abbr("J\u{e1}n 1").is_err());
        assert!(month_abbr("\u{c1}AN 1").is_err());
    }

    /// Stamps of every shape `bsd` reads, each with every byte replaced
    /// by, and preceded by, each of a set that reaches every branch
    /// (blanks, digits, separators, a month's letter, a two-byte
    /// character), and each cut at every length: the fixed-place read
    /// gives what the parsers give, errors and their positions included.
    #[test]
    fn bsd_common_is_bsd_general() {
        let bases = [
            "Feb 22 21:56:04 web01",
            "Feb  2 01:02:03",
            "Feb 2 01:02:03 x",
            "Mar  9 06:25:50.642 CST:",
            "Mar 12 21:56:03,120",
            "Mar 7 2008 19:06:53",
            "2023 May  2 12:55:19",
            "AUG 31 9:05:07",
            "Dec 31 23:59:59.1234567891",
        ];
        let alphabet = [' ', '\t', '0', '1', '9', ':', '.', ',', 'a', 'M', 'é'];
        agrees(&mutations(&bases, &alphabet), bsd_common, bsd_general, bsd);
    }

    /// As `bsd_common_is_bsd_general`, for `iso`.
    #[test]
    fn iso_common_is_iso_general() {
        let bases = [
            "2017-03-09T01:39:52.310-06:00 app01",
            "2017-03-09T07:40:19.648062Z app02",
            "2017-03-09t08:40:48+01:00",
            "2017-03-09 08:40:48,123 INFO",
            "2017-03-09T08:40:48z",
            "2017-03-09T08:40:48+0100",
            "2017-03-09T08:40:48-05",
            "2017-03-09T08:40:48+24:00",
            "2017-03-09T8:40:48Z",
            "2017-03-09T08:40:48.1234567891Z",
        ];
        let alphabet = [
            ' ', 't', 'T', '0', '2', '9', ':', '-', '+', '.', ',', 'Z', 'z', 'é',
        ];
        agrees(&mutations(&bases, &alphabet), iso_common, iso_general, iso);
    }

    /// A stamp read right after any other reads as the parsers read it:
    /// the minute remembered from the one before (`BsdMinute`,
    /// `IsoMinute`) answers only for the same bytes. Every ordered pair of
    /// stamps that share a minute's bytes, differ in one, or differ after.
    #[test]
    fn a_remembered_minute_reads_as_a_fresh_one() {
        let bsd_bases = [
            "Feb 22 21:56:04 web01",
            "Feb 2 01:02:03 x",
            "Feb  2 01:02:03.5",
            "Mar 12 21:56:03,120",
        ];
        let iso_bases = [
            "2017-03-09T01:39:52.310-06:00 app01",
            "2017-03-09 08:40:48,123 INFO",
            "2017-03-09T01:39:5",
        ];
        let alphabet = [' ', '0', '9', ':', '.', 'x'];
        let bsd_inputs = mutations(&bsd_bases, &alphabet);
        let iso_inputs = mutations(&iso_bases, &alphabet);
        let (mut hits, mut pairs) = (0, 0);
        for a in bsd_inputs.iter().step_by(3) {
            for b in &bsd_inputs {
                let _ = bsd_common(a);
                let before = BSD_MINUTE.get();
                assert_eq!(bsd(b), bsd_general(b), "{b:?} after {a:?}");
                hits += usize::from(before.is_some_and(|m| b.as_bytes().starts_with(&m.key)));
                pairs += 1;
            }
        }
        assert!(hits > pairs / 20, "{hits} of {pairs}");
        let (mut hits, mut pairs) = (0, 0);
        for a in iso_inputs.iter().step_by(3) {
            for b in &iso_inputs {
                let _ = iso_common(a);
                let before = ISO_MINUTES.with_borrow(|seen| seen.slots);
                assert_eq!(iso(b), iso_general(b), "{b:?} after {a:?}");
                hits += usize::from(
                    before
                        .iter()
                        .flatten()
                        .any(|m| b.as_bytes().starts_with(&m.key)),
                );
                pairs += 1;
            }
        }
        assert!(hits > pairs / 20, "{hits} of {pairs}");
    }

    fn wall(y: Option<i32>, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> WallClock {
        WallClock {
            year: y,
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
            nanos: 0,
            frac_digits: 0,
        }
    }

    #[test]
    fn bsd_forms() {
        assert_eq!(
            bsd("Feb 22 21:56:04 web01"),
            Ok((" web01", wall(None, 2, 22, 21, 56, 4)))
        );
        assert_eq!(
            bsd("Feb  2 01:02:03 x"),
            Ok((" x", wall(None, 2, 2, 1, 2, 3)))
        );
        assert_eq!(
            bsd("Mar 7 2008 19:06:53: x"),
            Ok((": x", wall(Some(2008), 3, 7, 19, 6, 53)))
        );
        assert_eq!(bsd("AUG 1 00:00:00"), Ok(("", wall(None, 8, 1, 0, 0, 0))));
        let (rest, w) = bsd("Feb 22 21:56:03.120 CST").unwrap();
        assert_eq!(rest, " CST");
        assert_eq!((w.nanos, w.frac_digits), (120_000_000, 3));
        assert!(bsd("Foo 22 21:56:03").is_err());
        assert!(bsd("Feb 22 21:56").is_err());
    }

    #[test]
    fn iso_forms() {
        let (rest, s) = iso("2017-02-22T21:56:04.123456-06:00 web01").unwrap();
        assert_eq!(rest, " web01");
        match s {
            Stamp::Offset { wall, offset_s } => {
                assert_eq!(offset_s, -6 * 3600);
                assert_eq!(wall.nanos, 123_456_000);
                assert_eq!(wall.frac_digits, 6);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            iso("2017-02-23T03:56:03.120Z"),
            Ok(("", Stamp::Offset { offset_s: 0, .. }))
        ));
        assert!(matches!(
            iso("2017-02-23 03:56:03 x"),
            Ok((" x", Stamp::Wall(_)))
        ));
        assert!(matches!(
            iso("2017-02-23T03:56:03+0530"),
            Ok((
                "",
                Stamp::Offset {
                    offset_s: 19800,
                    ..
                }
            ))
        ));
    }

    #[test]
    fn clf_with_and_without_offset() {
        let (rest, st) = clf("10/Oct/2000:13:55:36 -0700] \"GET").unwrap();
        assert_eq!(rest, "] \"GET");
        match st {
            Stamp::Offset { wall, offset_s } => {
                assert_eq!(
                    (wall.year, wall.month, wall.day, wall.hour),
                    (Some(2000), 10, 10, 13)
                );
                assert_eq!(offset_s, -7 * 3600);
            }
            other => panic!("{other:?}"),
        }
        let (rest, st) = clf("25/Feb/2019:16:19:48.143] x").unwrap();
        assert_eq!(rest, "] x");
        match st {
            Stamp::Wall(w) => assert_eq!((w.second, w.nanos, w.frac_digits), (48, 143_000_000, 3)),
            other => panic!("{other:?}"),
        }
        assert!(clf("10/Oct/2000 13:55:36").is_err());
        assert!(clf("1/Oct/2000:13:55:36 +0000").is_err());
    }

    #[test]
    fn epoch_and_mdy12() {
        assert_eq!(
            epoch("1487822220] x"),
            Ok((
                "] x",
                Stamp::Epoch {
                    secs: 1487822220,
                    nanos: 0
                }
            ))
        );
        let (rest, w) = mdy12("Feb 23, 2017, 04:10 AM UTC").unwrap();
        assert_eq!(rest, " UTC");
        assert_eq!(
            w,
            WallClock {
                frac_digits: -1,
                ..wall(Some(2017), 2, 23, 4, 10, 0)
            }
        );
        let (_, w) = mdy12("Aug 03, 2018, 05:33 PM UTC").unwrap();
        assert_eq!((w.hour, w.minute), (17, 33));
        let (_, w) = mdy12("Aug 03, 2018, 12:05 AM UTC").unwrap();
        assert_eq!(w.hour, 0);
    }

    #[test]
    fn abbrev() {
        assert_eq!(tz_abbrev("CST: %SYS"), Ok((": %SYS", "CST")));
        assert!(tz_abbrev("C: x").is_err());
        assert!(tz_abbrev("CSTXYZW").is_err());
        assert_eq!(tz_abbrev("mdt: %IOSXE"), Ok((": %IOSXE", "mdt")));
        assert_eq!(tz_abbrev("METDST: %F"), Ok((": %F", "METDST")));
        assert_eq!(tz_abbrev("UTC+1: %D"), Ok((": %D", "UTC+1")));
        assert_eq!(tz_abbrev("UTC+07:30: %D"), Ok((": %D", "UTC+07:30")));
        assert!(tz_abbrev("Interface x").is_err());
        assert!(tz_abbrev("CST1x").is_err());
    }

    #[test]
    fn labels_that_state_an_offset() {
        assert_eq!(label_offset("UTC+1"), Some(3600));
        assert_eq!(label_offset("UTC+07:30"), Some(7 * 3600 + 1800));
        assert_eq!(label_offset("GMT-05:00"), Some(-5 * 3600));
        assert_eq!(label_offset("UTC"), None);
        assert_eq!(label_offset("CST"), None);
        assert_eq!(label_offset("CST+1"), None);
    }

    #[test]
    fn year_first_bsd() {
        assert_eq!(
            bsd("2023 May  2 12:55:19 UTC"),
            Ok((" UTC", wall(Some(2023), 5, 2, 12, 55, 19)))
        );
        let (rest, w) = bsd("2024 Aug 27 21:40:50.5: x").unwrap();
        assert_eq!(rest, ": x");
        assert_eq!((w.year, w.nanos), (Some(2024), 500_000_000));
        // A year on both sides is not a timestamp.
        assert!(bsd("2023 May 2 2023 12:55:19").is_err());
        assert!(bsd("20233 May 2 12:55:19").is_err());
    }

    #[test]
    fn ctime_and_compact() {
        assert_eq!(
            ctime("Tue Jan 12 00:00:00 2016] LOG"),
            Ok(("] LOG", wall(Some(2016), 1, 12, 0, 0, 0)))
        );
        assert_eq!(
            ctime("Sun Mar  6 16:57:54 2016"),
            Ok(("", wall(Some(2016), 3, 6, 16, 57, 54)))
        );
        assert!(ctime("Tue Jan 12 00:00:00").is_err());
        let (rest, w) = compact("20240127:094401.015 VMware").unwrap();
        assert_eq!(rest, " VMware");
        assert_eq!(
            w,
            WallClock {
                nanos: 15_000_000,
                frac_digits: 3,
                ..wall(Some(2024), 1, 27, 9, 44, 1)
            }
        );
    }

    #[test]
    fn fractions_up_to_nanoseconds() {
        let nanos = |s: &str| match iso(s) {
            Ok((_, Stamp::Offset { wall, .. })) => Some((wall.nanos, wall.frac_digits)),
            _ => None,
        };
        assert_eq!(nanos("2003-10-11T22:14:15.003Z"), Some((3_000_000, 3)));
        assert_eq!(nanos("2003-10-11T22:14:15.000000003Z"), Some((3, 9)));
        // Ten digits: rejected, not cut to nine.
        assert!(iso("2003-10-11T22:14:15.0030000001Z").is_err());
        assert!(bsd("Oct 11 22:14:15.0030000001 x").is_err());
        assert!(epoch("1065910455.0030000001").is_err());
        assert!(compact("20031011:221415.0030000001").is_err());
        // A separator without digits is not a fraction (and not an error).
        assert_eq!(bsd("Oct 11 22:14:15. x").map(|(r, _)| r), Ok(". x"));
    }

    #[test]
    fn lower_case_t_and_z() {
        for s in [
            "2003-10-11T22:14:15.003Z",
            "2003-10-11t22:14:15.003Z",
            "2003-10-11T22:14:15.003z",
            "2003-10-11t22:14:15.003z",
        ] {
            assert!(
                matches!(iso(s), Ok(("", Stamp::Offset { offset_s: 0, .. }))),
                "{s}"
            );
            assert!(iso_t(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn impossible_dates_say_why() {
        let (_, feb29) = bsd("Feb 29 10:00:00").unwrap();
        assert_eq!(
            feb29.impossible(2017).as_deref(),
            Some("Feb 29 does not exist in 2017 (not a leap year)")
        );
        assert_eq!(feb29.impossible(2016), None);
        assert!(feb29.naive(2017).is_none() && feb29.naive(2016).is_some());
        let (_, apr31) = bsd("Apr 31 10:00:00").unwrap();
        assert_eq!(
            apr31.impossible(2016).as_deref(),
            Some("Apr 31 does not exist")
        );
        // The stamp's own year wins over the one given.
        let (_, w) = bsd("Feb 29 2017 10:00:00").unwrap();
        assert!(w.impossible(2016).is_some());
        let (_, w) = bsd("Feb 28 24:00:00").unwrap();
        assert_eq!(
            w.impossible(2017).as_deref(),
            Some("24:00:00 is not a time of day")
        );
        let w = WallClock { month: 13, ..w };
        assert_eq!(
            w.impossible(2017).as_deref(),
            Some("month 13 does not exist")
        );
    }

    #[test]
    fn iso_t_needs_the_t() {
        assert!(iso_t("2017-02-23T03:56:03Z x").is_ok());
        assert!(iso_t("2017-02-23 03:56:03,123 INFO x").is_err());
        assert!(iso_t("2017").is_err());
    }
}
