//! Time: every instant is UTC inside, and every conversion keeps its evidence.
//!
//! `stamp` reads what a line wrote; `zone` reads wall-clock time in an IANA
//! zone with DST ambiguity as data; `abbrev` knows what labels can mean;
//! `fold` settles a fall-back fold by order with a jitter tolerance;
//! `place` is the pure placement policy (stamp, label, context → instant,
//! provenance, notes); `resolve` is the per-source accumulator around it;
//! `year` picks years for year-less sources; `provenance` records all of it. Nothing here reads the wall clock
//! or the host's zone.

pub mod abbrev;
pub mod fold;
pub mod note;
pub mod place;
pub mod provenance;
pub mod resolve;
pub mod span;
pub mod stamp;
pub mod year;
pub mod zone;

/// The IANA tz database release compiled into this binary.
pub const TZDB_VERSION: &str = chrono_tz::IANA_TZDB_VERSION;

/// RFC 3339 in UTC with `Z`, whole seconds unless the instant has a fraction.
pub fn rfc3339(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// `rfc3339` for serde: a struct keeps the instant (12 bytes) and writes
/// the text only when serialised, not a string per row held in memory.
pub fn ser_rfc3339<S: serde::Serializer>(
    t: &chrono::DateTime<chrono::Utc>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(t))
}

/// `ser_rfc3339` of an instant that may be absent (`null`).
pub fn ser_opt_rfc3339<S: serde::Serializer>(
    t: &Option<chrono::DateTime<chrono::Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_some(&rfc3339(t)),
        None => s.serialize_none(),
    }
}
