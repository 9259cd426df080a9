//! Per-subject state machines: a `fault` opens a subject's window, a
//! `recovery` closes it. Grammar rules decide what counts (Nagios SOFT states
//! are `detection`, not `fault`, so they never open a window; HARD ones do).
//! Repeated faults while open and recoveries while closed change nothing.
//! A monitor's statement of a subject's state at start-up or log rotation
//! (`CURRENT SERVICE STATE: …;CRITICAL;…`) counts too: it gives the state a
//! window opens or closes from when the log begins mid-outage.

use crate::event::{Kind, TimedEvent};
use std::collections::BTreeMap;

/// The outage of one subject, by the events that opened and closed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectWindow {
    pub subject: String,
    /// Index in the timeline of the opening fault.
    pub start: usize,
    /// Index of the closing recovery; `None` while still open at the end of evidence.
    pub end: Option<usize>,
}

/// Run every subject's machine over the timeline (in timeline order).
pub fn subject_windows(timeline: &[TimedEvent]) -> Vec<SubjectWindow> {
    let mut open: BTreeMap<&str, usize> = BTreeMap::new();
    let mut done = Vec::new();
    for (k, e) in timeline.iter().enumerate() {
        let Some(subject) = e.subject.as_deref() else {
            continue;
        };
        match effective(e) {
            Kind::Fault => {
                open.entry(subject).or_insert(k);
            }
            Kind::Recovery => {
                if let Some(start) = open.remove(subject) {
                    done.push(SubjectWindow {
                        subject: subject.to_string(),
                        start,
                        end: Some(k),
                    });
                }
            }
            _ => {}
        }
    }
    for (subject, start) in open {
        done.push(SubjectWindow {
            subject: subject.to_string(),
            start,
            end: None,
        });
    }
    done.sort_by(|a, b| (a.start, &a.subject).cmp(&(b.start, &b.subject)));
    done
}

/// States a monitor reports at start-up or rotation, as state machine input.
pub fn effective(e: &TimedEvent) -> Kind {
    if e.kind == Kind::Info && e.role == crate::event::Role::Monitor {
        match e.state.as_deref() {
            Some("CRITICAL" | "DOWN" | "UNREACHABLE") => return Kind::Fault,
            Some("OK" | "UP") => return Kind::Recovery,
            _ => {}
        }
    }
    e.kind
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::tests::ev;

    #[test]
    fn fault_opens_recovery_closes_duplicates_ignored() {
        let t = vec![
            ev("2017-02-23T03:50:00Z", 0, 1, Kind::Recovery, "a"), // stray: ignored
            ev("2017-02-23T03:56:00Z", 0, 2, Kind::Fault, "a"),
            ev("2017-02-23T03:56:05Z", 0, 3, Kind::Fault, "a"), // duplicate
            ev("2017-02-23T03:57:00Z", 1, 1, Kind::Detection, "b"), // SOFT: no window
            ev("2017-02-23T03:58:00Z", 1, 2, Kind::Fault, "b"),
            ev("2017-02-23T04:20:00Z", 0, 4, Kind::Recovery, "a"),
            ev("2017-02-23T04:21:00Z", 0, 5, Kind::Recovery, "a"), // duplicate
        ];
        let w = subject_windows(&t);
        assert_eq!(
            w,
            vec![
                SubjectWindow {
                    subject: "a".into(),
                    start: 1,
                    end: Some(5)
                },
                SubjectWindow {
                    subject: "b".into(),
                    start: 4,
                    end: None
                },
            ]
        );
    }

    #[test]
    fn reopening_after_recovery_is_a_new_subject_window() {
        let t = vec![
            ev("2017-02-23T03:56:00Z", 0, 1, Kind::Fault, "a"),
            ev("2017-02-23T03:57:00Z", 0, 2, Kind::Recovery, "a"),
            ev("2017-02-23T03:58:00Z", 0, 3, Kind::Fault, "a"),
            ev("2017-02-23T03:59:00Z", 0, 4, Kind::Recovery, "a"),
        ];
        assert_eq!(subject_windows(&t).len(), 2);
    }
}
