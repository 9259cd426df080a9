//! Typed states: what an event says about its subject, as a value the
//! window engine can match on. Grammar rules map their own vocabulary
//! (`CRITICAL`, `firing`, `resolved`, `STOPPED`) onto these (data, in the
//! grammar files); the display text stays in the event's `state`.
//!
//! Refuses to guess: a word a grammar does not map carries no signal.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The health a check or device reports for a subject, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    /// Working (Nagios OK/UP, an alert resolved, a link up).
    Ok,
    /// Working but worse than it should (WARNING, thresholds): reported
    /// alongside windows, an outage only where the manifest says so.
    Degraded,
    /// The check itself failed (plugin error, UNKNOWN): the subject's state
    /// is unknown, never "down" and never "up".
    Unknown,
    /// Not working: the grade windows are built from.
    Down,
}

/// Everything a rule can say in typed form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Signal {
    /// A settled health statement (a HARD state, a link change, an alert).
    Health(Health),
    MonitorStart,
    MonitorStop,
    DowntimeStart,
    DowntimeEnd,
    FlappingStart,
    FlappingStop,
    Acknowledged,
    /// A status page declaring the incident resolved.
    PublicResolved,
    /// A status page's own claims about the incident (seed text export).
    ClaimedStarted,
    ClaimedResolved,
    ClaimedDuration,
}

impl Signal {
    /// Every signal with its name in grammar files.
    pub const ALL: [(Signal, &'static str); 15] = [
        (Signal::Health(Health::Ok), "ok"),
        (Signal::Health(Health::Degraded), "degraded"),
        (Signal::Health(Health::Unknown), "unknown"),
        (Signal::Health(Health::Down), "down"),
        (Signal::MonitorStart, "monitor-start"),
        (Signal::MonitorStop, "monitor-stop"),
        (Signal::DowntimeStart, "downtime-start"),
        (Signal::DowntimeEnd, "downtime-end"),
        (Signal::FlappingStart, "flapping-start"),
        (Signal::FlappingStop, "flapping-stop"),
        (Signal::Acknowledged, "acknowledged"),
        (Signal::PublicResolved, "public-resolved"),
        (Signal::ClaimedStarted, "claimed-started"),
        (Signal::ClaimedResolved, "claimed-resolved"),
        (Signal::ClaimedDuration, "claimed-duration"),
    ];

    pub fn as_str(self) -> &'static str {
        Signal::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }

    pub fn health(self) -> Option<Health> {
        match self {
            Signal::Health(h) => Some(h),
            _ => None,
        }
    }
}

impl FromStr for Signal {
    type Err = String;
    fn from_str(s: &str) -> Result<Signal, String> {
        Signal::ALL
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(sig, _)| *sig)
            .ok_or_else(|| {
                let names: Vec<&str> = Signal::ALL.iter().map(|(_, n)| *n).collect();
                format!("unknown signal {s:?} (one of {})", names.join(", "))
            })
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Health {
    pub fn as_str(self) -> &'static str {
        Signal::Health(self).as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_errors() {
        for (s, n) in Signal::ALL {
            assert_eq!(n.parse::<Signal>().unwrap(), s);
            assert_eq!(s.to_string(), n);
        }
        let e = "CRITICAL".parse::<Signal>().unwrap_err();
        assert!(e.starts_with("unknown signal \"CRITICAL\" (one of ok, degraded"));
    }

    #[test]
    fn health_orders_worst_last() {
        assert!(Health::Down > Health::Unknown);
        assert!(Health::Unknown > Health::Degraded);
        assert!(Health::Degraded > Health::Ok);
    }
}
