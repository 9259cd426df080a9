//! Timed events: what the rest of the pipeline works on.
//!
//! A `TimedEvent` is one classified record placed on the UTC timeline. It
//! carries its evidence and time provenance; it never carries the grammar.

use crate::evidence::Evidence;
use crate::signal::Signal;
use crate::time::provenance::Provenance;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What an event means for an outage (DESIGN.md, "Events").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A configuration commit, deploy: a trigger candidate.
    Change,
    /// Something went down: opens a subject window.
    Fault,
    /// Something came back: closes a subject window.
    Recovery,
    /// A monitor noticed (an alert or notification) without opening a window.
    Detection,
    /// An operator did something: login, command, rollback.
    Action,
    /// A public or customer communication: status page update, ticket.
    Comms,
    Info,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Change => "change",
            Kind::Fault => "fault",
            Kind::Recovery => "recovery",
            Kind::Detection => "detection",
            Kind::Action => "action",
            Kind::Comms => "comms",
            Kind::Info => "info",
        }
    }
}

/// The role of a source, from its grammar: it decides which events count
/// as detection (monitors) and which as public statements (status pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Network devices: switches, routers.
    Device,
    /// Servers and applications.
    #[default]
    Host,
    /// Monitoring: Nagios, Alertmanager.
    Monitor,
    /// Public communication: status pages.
    Public,
}

/// Who did an action or change, and the command when the event is one
/// (`User:netadmin logged command:...`): what links the commands logged
/// before a change to it (`window::commands`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Operator {
    pub user: Option<String>,
    /// A tty, a CLI process id: set only where the log names one.
    pub session: Option<String>,
    /// The command as logged.
    pub command: Option<String>,
}

/// One event on the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedEvent {
    pub instant: DateTime<Utc>,
    /// Index of the source in the bundle's sorted source list.
    pub source: u32,
    pub file: Arc<str>,
    pub line: u64,
    pub role: Role,
    pub kind: Kind,
    pub host: Option<Arc<str>>,
    /// Shared: a source names few subjects and states over many events,
    /// and a report row shares them with its event.
    pub subject: Option<Arc<str>>,
    /// The state as the log wrote it, for display.
    pub state: Option<Arc<str>>,
    /// The state as a typed value the window engine matches on.
    pub signal: Option<Signal>,
    /// Shared with the report rows that show it.
    pub summary: Arc<str>,
    /// Shared: consecutive lines of a source mostly tell the same story
    /// (56 bytes an event when each held its own; issue 16).
    pub provenance: Arc<Provenance>,
    /// How precise the written timestamp is, in milliseconds (1000 for whole
    /// seconds, 60000 for whole minutes): the floor of any uncertainty.
    pub precision_ms: u32,
    /// The line as written (only kept when the command needs it).
    pub text: Option<Box<str>>,
    /// Who did it, for actions and changes whose grammar rule says (boxed:
    /// most events have none).
    pub operator: Option<Box<Operator>>,
}

impl TimedEvent {
    pub fn evidence(&self) -> Evidence {
        Evidence::new(self.file.clone(), self.line)
    }

    /// The stable timeline order: instant, then source order, then line.
    pub fn order_key(&self) -> (DateTime<Utc>, u32, u64) {
        (self.instant, self.source, self.line)
    }
}

/// One shared copy of each host, subject and state name a source's events
/// carry: a flapping storm names a few thousand subjects over a million
/// events (docs/performance.md).
#[derive(Debug, Default)]
pub struct Names(std::collections::HashSet<Arc<str>>);

impl Names {
    pub fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(n) = self.0.get(name) {
            return n.clone();
        }
        let n: Arc<str> = Arc::from(name);
        self.0.insert(n.clone());
        n
    }
}
