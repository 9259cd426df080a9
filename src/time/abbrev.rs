//! Time-zone abbreviations are evidence, not truth.
//!
//! `CST` is UTC−6 in Chicago, UTC+8 in Shanghai and UTC−5 in Havana; `IST`
//! is +5:30, +1 or +2. This table lists every meaning we know for the
//! abbreviations seen in real logs. It never decides alone: `meaning_in`
//! asks the source's own zone first.

use chrono::{NaiveDate, Offset, TimeZone};
use chrono_tz::{OffsetName, Tz};

/// One meaning of an abbreviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meaning {
    pub offset_s: i32,
    /// Where it means that, for messages.
    pub region: &'static str,
}

const H: i32 = 3600;

/// Abbreviation → every offset it is used for.
static TABLE: &[(&str, &[Meaning])] = &[
    (
        "UTC",
        &[Meaning {
            offset_s: 0,
            region: "universal",
        }],
    ),
    (
        "GMT",
        &[Meaning {
            offset_s: 0,
            region: "Greenwich",
        }],
    ),
    (
        "Z",
        &[Meaning {
            offset_s: 0,
            region: "universal",
        }],
    ),
    (
        "EST",
        &[
            Meaning {
                offset_s: -5 * H,
                region: "US Eastern",
            },
            Meaning {
                offset_s: 10 * H,
                region: "Australian Eastern (old)",
            },
        ],
    ),
    (
        "EDT",
        &[Meaning {
            offset_s: -4 * H,
            region: "US Eastern",
        }],
    ),
    (
        "CST",
        &[
            Meaning {
                offset_s: -6 * H,
                region: "US Central",
            },
            Meaning {
                offset_s: 8 * H,
                region: "China",
            },
            Meaning {
                offset_s: -5 * H,
                region: "Cuba",
            },
        ],
    ),
    (
        "CDT",
        &[
            Meaning {
                offset_s: -5 * H,
                region: "US Central",
            },
            Meaning {
                offset_s: -4 * H,
                region: "Cuba",
            },
        ],
    ),
    (
        "MST",
        &[Meaning {
            offset_s: -7 * H,
            region: "US Mountain",
        }],
    ),
    (
        "MDT",
        &[Meaning {
            offset_s: -6 * H,
            region: "US Mountain",
        }],
    ),
    (
        "PST",
        &[
            Meaning {
                offset_s: -8 * H,
                region: "US Pacific",
            },
            Meaning {
                offset_s: 8 * H,
                region: "Philippines",
            },
        ],
    ),
    (
        "PDT",
        &[Meaning {
            offset_s: -7 * H,
            region: "US Pacific",
        }],
    ),
    (
        "AKST",
        &[Meaning {
            offset_s: -9 * H,
            region: "Alaska",
        }],
    ),
    (
        "AKDT",
        &[Meaning {
            offset_s: -8 * H,
            region: "Alaska",
        }],
    ),
    (
        "HST",
        &[Meaning {
            offset_s: -10 * H,
            region: "Hawaii",
        }],
    ),
    (
        "AST",
        &[
            Meaning {
                offset_s: -4 * H,
                region: "Atlantic",
            },
            Meaning {
                offset_s: 3 * H,
                region: "Arabia",
            },
        ],
    ),
    (
        "ADT",
        &[Meaning {
            offset_s: -3 * H,
            region: "Atlantic",
        }],
    ),
    (
        "NST",
        &[Meaning {
            offset_s: -(3 * H + 1800),
            region: "Newfoundland",
        }],
    ),
    (
        "NDT",
        &[Meaning {
            offset_s: -(2 * H + 1800),
            region: "Newfoundland",
        }],
    ),
    (
        "WET",
        &[Meaning {
            offset_s: 0,
            region: "Western European",
        }],
    ),
    (
        "WEST",
        &[Meaning {
            offset_s: H,
            region: "Western European",
        }],
    ),
    (
        "BST",
        &[
            Meaning {
                offset_s: H,
                region: "British Summer",
            },
            Meaning {
                offset_s: 6 * H,
                region: "Bangladesh",
            },
        ],
    ),
    (
        "IST",
        &[
            Meaning {
                offset_s: 5 * H + 1800,
                region: "India",
            },
            Meaning {
                offset_s: H,
                region: "Irish Standard (summer)",
            },
            Meaning {
                offset_s: 2 * H,
                region: "Israel",
            },
        ],
    ),
    (
        "IDT",
        &[Meaning {
            offset_s: 3 * H,
            region: "Israel",
        }],
    ),
    (
        "CET",
        &[Meaning {
            offset_s: H,
            region: "Central European",
        }],
    ),
    (
        "CEST",
        &[Meaning {
            offset_s: 2 * H,
            region: "Central European",
        }],
    ),
    (
        "MET",
        &[Meaning {
            offset_s: H,
            region: "Middle European",
        }],
    ),
    (
        "MEST",
        &[Meaning {
            offset_s: 2 * H,
            region: "Middle European",
        }],
    ),
    (
        "EET",
        &[Meaning {
            offset_s: 2 * H,
            region: "Eastern European",
        }],
    ),
    (
        "EEST",
        &[Meaning {
            offset_s: 3 * H,
            region: "Eastern European",
        }],
    ),
    (
        "MSK",
        &[Meaning {
            offset_s: 3 * H,
            region: "Moscow",
        }],
    ),
    (
        "SAST",
        &[Meaning {
            offset_s: 2 * H,
            region: "South Africa",
        }],
    ),
    (
        "PKT",
        &[Meaning {
            offset_s: 5 * H,
            region: "Pakistan",
        }],
    ),
    (
        "ICT",
        &[Meaning {
            offset_s: 7 * H,
            region: "Indochina",
        }],
    ),
    (
        "WIB",
        &[Meaning {
            offset_s: 7 * H,
            region: "Western Indonesia",
        }],
    ),
    (
        "SGT",
        &[Meaning {
            offset_s: 8 * H,
            region: "Singapore",
        }],
    ),
    (
        "HKT",
        &[Meaning {
            offset_s: 8 * H,
            region: "Hong Kong",
        }],
    ),
    (
        "AWST",
        &[Meaning {
            offset_s: 8 * H,
            region: "Australian Western",
        }],
    ),
    (
        "JST",
        &[Meaning {
            offset_s: 9 * H,
            region: "Japan",
        }],
    ),
    (
        "KST",
        &[Meaning {
            offset_s: 9 * H,
            region: "Korea",
        }],
    ),
    (
        "ACST",
        &[Meaning {
            offset_s: 9 * H + 1800,
            region: "Australian Central",
        }],
    ),
    (
        "ACDT",
        &[Meaning {
            offset_s: 10 * H + 1800,
            region: "Australian Central",
        }],
    ),
    (
        "AEST",
        &[Meaning {
            offset_s: 10 * H,
            region: "Australian Eastern",
        }],
    ),
    (
        "AEDT",
        &[Meaning {
            offset_s: 11 * H,
            region: "Australian Eastern",
        }],
    ),
    (
        "NZST",
        &[Meaning {
            offset_s: 12 * H,
            region: "New Zealand",
        }],
    ),
    (
        "NZDT",
        &[Meaning {
            offset_s: 13 * H,
            region: "New Zealand",
        }],
    ),
];

/// The labels that are UTC itself, in the case devices print them.
pub const UTC_LABELS: [&str; 6] = ["UTC", "GMT", "Z", "UT", "utc", "gmt"];

/// The offset a label states outright, with no zone to weigh it against:
/// `UTC`, `GMT`, `Z`, `UT` are zero, `UTC+1`/`GMT-05:30` their offset. The
/// one list of UTC-like labels, for the resolver and for `lint` alike.
pub fn stated_offset(label: &str) -> Option<i32> {
    if UTC_LABELS.contains(&label) {
        return Some(0);
    }
    super::stamp::label_offset(label)
}

/// Every meaning known for `abbrev` (case-sensitive, as devices print it).
pub fn meanings(abbrev: &str) -> &'static [Meaning] {
    TABLE
        .iter()
        .find(|(a, _)| *a == abbrev)
        .map(|(_, m)| *m)
        .unwrap_or(&[])
}

/// What `abbrev` means in `tz` around `year`: the offset the zone itself used
/// under that name in that year or the ones beside it (so `CDT` in
/// America/Chicago is −5 even in February, when Chicago is on CST). `None`
/// when the zone never uses the name then.
pub fn meaning_in(tz: Tz, abbrev: &str, year: i32) -> Option<i32> {
    for y in [year, year - 1, year + 1] {
        for month in 1..=12 {
            for day in [1, 15] {
                let Some(date) = NaiveDate::from_ymd_opt(y, month, day) else {
                    continue;
                };
                let probe = date.and_hms_opt(12, 0, 0).expect("noon exists");
                let off = tz.offset_from_utc_datetime(&probe);
                if off.abbreviation() == Some(abbrev) {
                    return Some(off.fix().local_minus_utc());
                }
            }
        }
    }
    None
}

/// Parse an override value such as `-05:00`, `+0530` or `-5` into seconds.
pub fn parse_offset(s: &str) -> Option<i32> {
    let s = s.trim();
    if let Ok(("", off)) = super::stamp::offset(s) {
        return Some(off);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let h: i32 = rest.parse().ok().filter(|h: &i32| *h <= 14)?;
    Some(sign * h * H)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::zone::{read_local, LocalReading};
    use chrono_tz::{America, Asia, Europe};

    #[test]
    fn table_has_every_cst_meaning() {
        let offs: Vec<i32> = meanings("CST").iter().map(|m| m.offset_s).collect();
        assert_eq!(offs, vec![-6 * H, 8 * H, -5 * H]);
        let ist: Vec<i32> = meanings("IST").iter().map(|m| m.offset_s).collect();
        assert_eq!(ist, vec![5 * H + 1800, H, 2 * H]);
        assert!(meanings("XYZ").is_empty());
    }

    /// Each row: a zone, a real date, the abbreviation chrono-tz says that zone
    /// used that day, and that the table lists the same offset for it.
    #[test]
    fn table_agrees_with_tzdb_on_real_dates() {
        type Row = (Tz, (i32, u32, u32), &'static str, i32);
        let rows: &[Row] = &[
            (America::Chicago, (2017, 2, 22), "CST", -6 * H),
            (America::Chicago, (2017, 7, 4), "CDT", -5 * H),
            (Asia::Shanghai, (2017, 2, 22), "CST", 8 * H),
            (America::Havana, (2017, 2, 22), "CST", -5 * H),
            (America::Havana, (2017, 7, 4), "CDT", -4 * H),
            (Asia::Kolkata, (2019, 7, 1), "IST", 5 * H + 1800),
            (Europe::Dublin, (2019, 7, 1), "IST", H),
            (Asia::Jerusalem, (2019, 1, 15), "IST", 2 * H),
            (Europe::London, (2019, 7, 1), "BST", H),
            (Europe::Berlin, (2019, 1, 15), "CET", H),
            (Europe::Berlin, (2019, 7, 1), "CEST", 2 * H),
            (America::New_York, (2019, 1, 15), "EST", -5 * H),
            (America::New_York, (2019, 7, 1), "EDT", -4 * H),
            (chrono_tz::Australia::Sydney, (2019, 7, 1), "AEST", 10 * H),
            (chrono_tz::Australia::Sydney, (2019, 1, 15), "AEDT", 11 * H),
        ];
        for &(tz, (y, m, d), abbr, off) in rows {
            let n = NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap();
            let LocalReading::Unique(r) = read_local(tz, n) else {
                panic!("{tz} {n} not unique")
            };
            assert_eq!((&*r.abbrev, r.offset_s), (abbr, off), "{tz} {n}");
            assert!(
                meanings(abbr).iter().any(|m| m.offset_s == off),
                "table lacks {abbr}={off} ({tz})"
            );
            assert_eq!(meaning_in(tz, abbr, y), Some(off), "{tz} {abbr}");
        }
    }

    #[test]
    fn meaning_in_zone_even_off_season() {
        // The founding case: CDT in February still means −5 in Chicago.
        assert_eq!(meaning_in(America::Chicago, "CDT", 2017), Some(-5 * H));
        // Kolkata never says CST.
        assert_eq!(meaning_in(Asia::Kolkata, "CST", 2017), None);
    }

    #[test]
    fn override_values() {
        assert_eq!(parse_offset("-05:00"), Some(-5 * H));
        assert_eq!(parse_offset("+0530"), Some(5 * H + 1800));
        assert_eq!(parse_offset("-5"), Some(-5 * H));
        assert_eq!(parse_offset("five"), None);
    }
}
