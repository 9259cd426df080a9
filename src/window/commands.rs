//! The content of a change: the commands its operator logged leading up to
//! it. A switch says `Configured from console by netadmin`; what netadmin
//! typed (`switchport trunk allowed vlan remove 120`) is on the lines
//! before, and that is what a reader of the RFO needs to see.
//!
//! Commands are linked to a change by their grammar rules' `operator`
//! fields (data, not code): same host, same user, and the same session
//! where both lines name one. Nothing is guessed from free text.

use crate::event::Operator;
use crate::timeline::{EventRef, Timeline};
use chrono::Duration;

/// How far before a change its commands may be.
pub const LOOKBACK_MIN: i64 = 30;
/// At most this many commands are listed (the latest); the rest are counted.
pub const MAX: usize = 20;

/// The commands behind one change, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commands {
    /// Timeline indices of the commands listed.
    pub events: Vec<usize>,
    /// How many older ones were linked but not listed.
    pub more: usize,
}

/// Whether `a` and `b` were done by one operator on one host.
fn same_operator(a: &EventRef<'_>, b: &EventRef<'_>) -> bool {
    let same_host = match (&a.who.host, &b.who.host) {
        (Some(x), Some(y)) => x == y,
        _ => a.who.file == b.who.file,
    };
    let (Some(p), Some(q)) = (a.operator(), b.operator()) else {
        return false;
    };
    let agree = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    };
    let checks = [agree(&p.user, &q.user), agree(&p.session, &q.session)];
    same_host && checks.iter().any(Option::is_some) && !checks.contains(&Some(false))
}

fn is_command(e: &EventRef<'_>) -> bool {
    e.operator().is_some_and(|o: &Operator| o.command.is_some())
}

/// The commands logged by the operator of change `change` (a timeline
/// index) before it: within `LOOKBACK_MIN`, after that operator's previous
/// change on the host (whose commands they were), at most `MAX`.
pub fn before(t: &Timeline, change: usize) -> Commands {
    let c = &t.get(change);
    if c.operator().is_none() {
        return Commands::default();
    }
    let from = c.instant - Duration::minutes(LOOKBACK_MIN);
    let first = t.range(..change).partition_point(|e| e.instant < from);
    let mut found = Vec::new();
    for k in (first..change).rev() {
        let e = &t.get(k);
        if !same_operator(c, e) {
            continue;
        }
        if is_command(e) {
            found.push(k);
        } else if e.who.kind == crate::event::Kind::Change {
            break;
        }
    }
    let more = found.len().saturating_sub(MAX);
    found.truncate(MAX);
    found.reverse();
    Commands {
        events: found,
        more,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Kind;
    use crate::event::TimedEvent;
    use crate::timeline::tests::ev;

    fn op(e: &mut TimedEvent, user: &str, session: Option<&str>, command: Option<&str>) {
        e.who_mut().host = Some("core-sw1".into());
        e.set_operator(Some(Operator {
            user: Some(user.into()),
            session: session.map(str::to_string),
            command: command.map(str::to_string),
        }));
    }

    #[test]
    fn the_operators_commands_since_their_previous_change() {
        let mut t = vec![
            ev("2017-02-23T03:10:00Z", 0, 1, Kind::Action, "core-sw1"),
            ev("2017-02-23T03:40:00Z", 0, 2, Kind::Action, "core-sw1"),
            ev("2017-02-23T03:41:00Z", 0, 3, Kind::Change, "core-sw1"),
            ev("2017-02-23T03:55:00Z", 0, 4, Kind::Action, "core-sw1"),
            ev("2017-02-23T03:55:30Z", 0, 5, Kind::Action, "core-sw1"),
            ev("2017-02-23T03:55:40Z", 0, 6, Kind::Action, "core-sw1"),
            ev("2017-02-23T03:55:50Z", 0, 7, Kind::Action, "core-sw1"),
            ev("2017-02-23T03:56:03Z", 0, 8, Kind::Change, "core-sw1"),
        ];
        op(&mut t[0], "netadmin", None, Some("too old"));
        op(
            &mut t[1],
            "netadmin",
            None,
            Some("before the previous change"),
        );
        op(&mut t[2], "netadmin", None, None);
        op(&mut t[3], "netadmin", None, Some("interface Port-channel1"));
        op(&mut t[4], "jmiller", None, Some("another user"));
        op(&mut t[5], "netadmin", None, None);
        op(
            &mut t[6],
            "netadmin",
            None,
            Some("switchport trunk allowed vlan remove 120"),
        );
        op(&mut t[7], "netadmin", None, None);
        assert_eq!(
            before(&crate::timeline::Timeline::from(t.clone()), 7).events,
            vec![3, 6]
        );
        assert_eq!(
            before(&crate::timeline::Timeline::from(t.clone()), 2).events,
            vec![1],
            "the look-back is 30 min"
        );
        t[7].set_operator(None);
        assert_eq!(
            before(&crate::timeline::Timeline::from(t.clone()), 7),
            Commands::default()
        );
    }

    #[test]
    fn sessions_are_told_apart_and_the_list_is_capped() {
        let mut t: Vec<TimedEvent> = (0..25)
            .map(|k| ev("2017-02-23T03:50:00Z", 0, k + 1, Kind::Action, "r1"))
            .collect();
        for (k, e) in t.iter_mut().enumerate() {
            let session = if k == 24 { "4121" } else { "5010" };
            op(e, "admin", Some(session), Some(&format!("set {k}")));
        }
        t.push(ev("2017-02-23T03:56:00Z", 0, 26, Kind::Change, "r1"));
        op(&mut t[25], "admin", Some("5010"), None);
        let c = before(&crate::timeline::Timeline::from(t.clone()), 25);
        assert_eq!(c.events, (4..24).collect::<Vec<_>>());
        assert_eq!(c.more, 4);
    }
}
