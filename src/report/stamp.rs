//! Instants for the text outputs (`timeline`, `windows`) in the report zone.
//!
//! UTC stays RFC 3339 with `Z`, as before; any other zone is RFC 3339 with
//! the zone's offset at that instant (a reader can always get back to UTC)
//! and the abbreviation the zone used then (`CST`, not a fixed label).

use crate::time::zone::abbrev_at;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// `t` as the text outputs print it in `tz`.
pub fn in_zone(tz: Tz, t: &DateTime<Utc>) -> String {
    if tz == chrono_tz::UTC {
        return crate::time::rfc3339(t);
    }
    format!(
        "{} {}",
        t.with_timezone(&tz)
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
        abbrev_at(tz, *t)
    )
}

/// An RFC 3339 string from the analysis, in `tz`; anything else unchanged.
pub fn text_in_zone(tz: Tz, s: &str) -> String {
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => in_zone(tz, &t.with_timezone(&Utc)),
        Err(_) => s.to_string(),
    }
}

/// The header line naming the zone, empty for UTC (whose stamps say `Z`).
pub fn zone_header(tz: Tz) -> String {
    if tz == chrono_tz::UTC {
        String::new()
    } else {
        format!(
            "# times in {} (offset and abbreviation per instant)\n",
            tz.name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chicago_in_february_is_cst_and_in_july_cdt() {
        let tz: Tz = "America/Chicago".parse().unwrap();
        let feb: DateTime<Utc> = "2017-02-23T03:56:10Z".parse().unwrap();
        let jul: DateTime<Utc> = "2017-07-23T03:56:10.250Z".parse().unwrap();
        assert_eq!(in_zone(tz, &feb), "2017-02-22T21:56:10-06:00 CST");
        assert_eq!(in_zone(tz, &jul), "2017-07-22T22:56:10.250-05:00 CDT");
        assert_eq!(in_zone(chrono_tz::UTC, &feb), "2017-02-23T03:56:10Z");
        assert_eq!(text_in_zone(tz, "open"), "open");
    }
}
