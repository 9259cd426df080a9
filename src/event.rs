//! Timed events: what the rest of the pipeline works on.
//!
//! A `TimedEvent` is one classified record placed on the UTC timeline. It
//! carries its evidence and time provenance; it never carries the grammar.

mod summary;
use crate::evidence::Evidence;
use crate::signal::Signal;
use crate::time::provenance::Provenance;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
pub use summary::{Packer, Summary, SummaryRef};

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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Operator {
    pub user: Option<String>,
    /// A tty, a CLI process id: set only where the log names one.
    pub session: Option<String>,
    /// The command as logged.
    pub command: Option<String>,
}

/// One event on the timeline.
///
/// 32 bytes (issue 16): what differs from line to line (the instant, the
/// line, the summary and the line's place) is held here; what a source
/// repeats over many lines (its file and index, its role, the host,
/// subject and state, the kind, the time provenance, an operator) is one
/// shared `Who`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedEvent {
    pub instant: DateTime<Utc>,
    /// The line number, in 32 bits: with the 12-byte instant it fills 16
    /// bytes, where a `u64` cost 8 more on every event. The parse that
    /// makes events keeps to it (`line32`).
    pub line: u32,
    /// Shared: a flapping storm's million events name a few thousand
    /// subjects in a few states. Change it through `who_mut`.
    pub who: Arc<Who>,
    /// Packed with its source's others in compressed blocks: summaries are
    /// nearly all distinct (a storm's name a port or a PID), and were the
    /// largest part of a storm's memory held one allocation each. It
    /// carries the line as written or its place, when the command keeps
    /// lines (`text`): few do, and a field of its own cost every event.
    pub summary: Summary,
}

/// `line` as an event holds it, for ingest's records: the parse that makes
/// events refuses a file of more lines than fit
/// (`bundle::read::for_each_line_from`, `MAX_LINES`) and a document is at
/// most 64 MiB, so a line number it gave always fits. (An events file's
/// lines and a stretch's rate buckets are checked as they are read.)
pub fn line32(line: u64) -> u32 {
    u32::try_from(line).expect("readers refuse files of more than u32::MAX lines")
}

/// What an event says and about whom, apart from when and on which line:
/// the part of a `TimedEvent` that many events of a source share.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Who {
    pub file: Arc<str>,
    /// Index of the source in the bundle's sorted source list: with the
    /// file, as a source's events all share it.
    pub source: u32,
    pub role: Role,
    pub kind: Kind,
    pub host: Option<Name>,
    pub subject: Option<Name>,
    /// The state as the log wrote it, for display.
    pub state: Option<Name>,
    /// The state as a typed value the window engine matches on.
    pub signal: Option<Signal>,
    /// How precise the written timestamp is, in milliseconds (1000 for whole
    /// seconds, 60000 for whole minutes): the floor of any uncertainty.
    pub precision_ms: u32,
    /// How the instant was read. Shared (`time::provenance::Provenances`):
    /// a source's lines mostly tell the same story, and in the `Who` it
    /// costs an event nothing of its own.
    pub provenance: Arc<Provenance>,
    /// Who did it, for actions and changes whose grammar rule says. Few
    /// events name one; those that do mostly differ (a command each), so
    /// each such event has a `Who` of its own, and the rest pay nothing.
    pub operator: Option<Arc<Operator>>,
}

/// The line an event was read from, as a command that shows lines needs it.
///
/// A plain file's line is its place in the file, read back when an output
/// shows it (`bundle::lines::LineReader`): `rfo timeline` of a 100 MB
/// bundle held 295 MB when every event kept a copy (issue 16). A line from
/// a gzip file, a document or an events file, or one rewritten by
/// `--redact`, is held. It travels in the event's summary
/// (`Summary::text`): the place packed into a word in the summary's block
/// (offsets below 8 TiB, lengths up to `read::MAX_LINE`; past that the
/// line is held), a held line packed there too up to 4 KiB, a longer one
/// beside a held summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(TextRepr);

#[derive(Debug, Clone, PartialEq, Eq)]
enum TextRepr {
    Held(Box<Box<str>>),
    At(u64),
}

/// What a `Text` holds. A held line packed in its summary's block is
/// read out of it, so it comes owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextView<'a> {
    Held(std::borrow::Cow<'a, str>),
    At(crate::bundle::read::LineAt),
}

/// Bits of a packed line's length: enough for `read::MAX_LINE`.
const LEN_BITS: u32 = 21;
const _: () = assert!(crate::bundle::read::MAX_LINE < 1 << LEN_BITS);

impl Text {
    pub fn held(text: &str) -> Text {
        Text(TextRepr::Held(Box::new(text.into())))
    }

    /// The line's place, or its text when the place does not pack.
    pub fn at(at: crate::bundle::read::LineAt, text: &str) -> Text {
        match at.offset.checked_shl(LEN_BITS) {
            Some(high) if high >> LEN_BITS == at.offset && at.len < 1 << LEN_BITS => {
                Text(TextRepr::At(high | at.len as u64))
            }
            _ => Text::held(text),
        }
    }

    pub fn view(&self) -> TextView<'_> {
        match &self.0 {
            TextRepr::Held(s) => TextView::Held(std::borrow::Cow::Borrowed(s)),
            TextRepr::At(w) => Text::unpack(*w),
        }
    }

    /// The place's word or the held line, to pack in a summary's block.
    fn parts(&self) -> Result<u64, &str> {
        match &self.0 {
            TextRepr::At(w) => Ok(*w),
            TextRepr::Held(s) => Err(s),
        }
    }

    fn unpack(w: u64) -> TextView<'static> {
        TextView::At(crate::bundle::read::LineAt {
            offset: w >> LEN_BITS,
            len: (w & ((1 << LEN_BITS) - 1)) as u32,
        })
    }
}

impl TimedEvent {
    /// The event's own `Who`, to change (copied first if it is shared).
    pub fn who_mut(&mut self) -> &mut Who {
        Arc::make_mut(&mut self.who)
    }

    /// How the instant was read (held in the shared `Who`).
    pub fn provenance(&self) -> &Provenance {
        &self.who.provenance
    }

    /// The line as written or where it is, when the command kept it; read
    /// it with a `bundle::lines::LineReader`.
    pub fn text(&self) -> Option<TextView<'_>> {
        self.summary.text()
    }

    pub fn operator(&self) -> Option<&Operator> {
        self.who.operator.as_deref()
    }

    /// The event's operator, to change (its `Who` copied first if shared).
    pub fn operator_mut(&mut self) -> Option<&mut Operator> {
        self.who_mut().operator.as_mut().map(Arc::make_mut)
    }

    /// Keep `text` as the event's line (held with its summary).
    pub fn set_text(&mut self, text: Option<Text>) {
        self.summary = self.summary.with_text(text);
    }

    pub fn set_operator(&mut self, operator: Option<Operator>) {
        self.who_mut().operator = operator.map(Arc::new);
    }

    pub fn evidence(&self) -> Evidence {
        self.lent().evidence()
    }

    /// Index of the source in the bundle's sorted source list.
    pub fn source(&self) -> u32 {
        self.who.source
    }

    /// The stable timeline order: instant, then source order, then line.
    pub fn order_key(&self) -> (DateTime<Utc>, u32, u32) {
        self.lent().order_key()
    }

    /// The event as the timeline lends its own (`crate::timeline`): what
    /// reads an event reads either.
    pub fn lent(&self) -> crate::timeline::EventRef<'_> {
        crate::timeline::EventRef::from(self)
    }
}

/// A host, subject or state name, shared by every event that carries it.
///
/// One pointer wide (an `Arc<str>` is two): an event holds three names, and
/// a flapping storm holds a million events over a few thousand names
/// (issue 16). It compares, orders and hashes as its text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Arc<Box<str>>);

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Which allocation this is: equal for two clones of one name.
    fn addr(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(Arc::new(Box::from(s)))
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name(Arc::new(s.into_boxed_str()))
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

/// One shared copy of each host, subject and state name a source's events
/// carry: a flapping storm names a few thousand subjects over a million
/// events (docs/performance.md).
#[derive(Debug, Default)]
pub struct Names(std::collections::HashSet<Name>);

impl Names {
    pub fn get(&mut self, name: &str) -> Name {
        if let Some(n) = self.0.get(name) {
            return n.clone();
        }
        let n = Name::from(name);
        self.0.insert(n.clone());
        n
    }
}

/// One shared copy of each distinct `Who` a source's events hold.
///
/// Keyed by the identity of the names, not their text: a source's names
/// are interned (`Names`), so within one source equal text is one
/// allocation, and hashing pointers (four names and the provenance)
/// instead of strings kept the interning off a storm's profile. Two equal
/// `Who`s under different pointers (names from two chunks of a file) are
/// merely not shared.
#[derive(Debug, Default)]
pub struct Whos {
    map: rustc_hash::FxHashMap<WhoKey, Arc<Who>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct WhoKey {
    /// The file, host, subject and state names, the provenance and the
    /// operator.
    names: [usize; 6],
    /// An interner serves one source, but the key does not rest on it.
    source: u32,
    role: Role,
    kind: Kind,
    signal: Option<Signal>,
    precision_ms: u32,
}

impl WhoKey {
    fn of(w: &Who) -> WhoKey {
        let name = |n: &Option<Name>| n.as_ref().map_or(0, Name::addr);
        WhoKey {
            names: [
                Arc::as_ptr(&w.file) as *const u8 as usize,
                name(&w.host),
                name(&w.subject),
                name(&w.state),
                Arc::as_ptr(&w.provenance) as usize,
                w.operator.as_ref().map_or(0, |o| Arc::as_ptr(o) as usize),
            ],
            source: w.source,
            role: w.role,
            kind: w.kind,
            signal: w.signal,
            precision_ms: w.precision_ms,
        }
    }
}

impl Whos {
    pub fn get(&mut self, who: Who) -> Arc<Who> {
        self.map
            .entry(WhoKey::of(&who))
            .or_insert_with(|| Arc::new(who))
            .clone()
    }
}

/// One change of provenance applied to many events (a clock's skew
/// corrected, an offset decided by evidence), keeping them shared: each
/// `Who` and each provenance changed once, however many events hold it.
/// The change must depend on the old provenance alone.
pub struct ProvenanceEdit<F> {
    change: F,
    /// By the old `Who`'s address, the old one (held so that no new `Who`
    /// can take its address while the edit runs) and its replacement.
    whos: rustc_hash::FxHashMap<usize, (Arc<Who>, Arc<Who>)>,
    provenances: rustc_hash::FxHashMap<usize, (Arc<Provenance>, Arc<Provenance>)>,
}

impl<F: Fn(&mut Provenance)> ProvenanceEdit<F> {
    pub fn new(change: F) -> Self {
        ProvenanceEdit {
            change,
            whos: Default::default(),
            provenances: Default::default(),
        }
    }

    pub fn apply(&mut self, e: &mut TimedEvent) {
        let ProvenanceEdit {
            change,
            whos,
            provenances,
        } = self;
        let (_, new) = whos.entry(Arc::as_ptr(&e.who) as usize).or_insert_with(|| {
            let old = &e.who.provenance;
            let (_, p) = provenances
                .entry(Arc::as_ptr(old) as usize)
                .or_insert_with(|| {
                    let mut p = Provenance::clone(old);
                    change(&mut p);
                    (old.clone(), Arc::new(p))
                });
            let mut who = Who::clone(&e.who);
            who.provenance = p.clone();
            (e.who.clone(), Arc::new(who))
        });
        e.who = new.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A storm keeps a million events: their size is the analysis's memory
    /// (issue 16; docs/performance.md). Grow it only on purpose.
    #[test]
    fn an_event_stays_compact() {
        assert_eq!(std::mem::size_of::<Option<Name>>(), 8);
        let size = std::mem::size_of::<TimedEvent>();
        assert!(size <= 32, "TimedEvent is {size} bytes");
    }

    #[test]
    fn a_line_place_packs_until_it_cannot() {
        use crate::bundle::read::{LineAt, MAX_LINE};
        for at in [
            LineAt { offset: 0, len: 0 },
            LineAt {
                offset: (1 << 43) - 1,
                len: MAX_LINE as u32,
            },
        ] {
            assert_eq!(Text::at(at, "x").view(), TextView::At(at));
        }
        // Past 8 TiB the text is held instead of a wrong place.
        let far = LineAt {
            offset: 1 << 43,
            len: 3,
        };
        assert_eq!(Text::at(far, "abc").view(), TextView::Held("abc".into()));
    }

    #[test]
    fn a_name_compares_and_serialises_as_its_text() {
        let (a, b) = (
            Name::from("db01/MySQL"),
            Name::from(String::from("core-sw1")),
        );
        assert!(b < a);
        assert_eq!(a, Name::from("db01/MySQL"));
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"db01/MySQL\"");
        assert_eq!(format!("{a} {b:?}"), "db01/MySQL \"core-sw1\"");
        let mut names = Names::default();
        let (x, y) = (names.get("web001"), names.get("web001"));
        assert!(Arc::ptr_eq(&x.0, &y.0), "one copy per name");
    }

    /// A line kept by place rides in the summary's block; a held one,
    /// or one set later, beside a held summary; an operator in the `Who`.
    #[test]
    fn text_and_operator_come_back_as_set() {
        use crate::bundle::read::LineAt;
        let mut e = crate::timeline::tests::ev("2017-02-23T04:10:00Z", 0, 1, Kind::Change, "x");
        assert_eq!(e.text(), None);
        let mut packer = Packer::default();
        let at = LineAt {
            offset: 123_456,
            len: 77,
        };
        e.summary = packer.pack_with("changed", Some(Text::at(at, "ignored")));
        let plain = packer.pack("plain");
        drop(packer);
        assert_eq!(e.text(), Some(TextView::At(at)));
        assert_eq!(e.summary.get(), "changed");
        assert_eq!(plain.text(), None);
        assert_eq!(plain.get(), "plain");
        e.set_text(Some(Text::held("line")));
        e.set_operator(Some(Operator {
            user: Some("admin".into()),
            ..Operator::default()
        }));
        assert_eq!(e.text(), Some(TextView::Held("line".into())));
        assert_eq!(e.summary.get(), "changed");
        assert_eq!(e.operator().and_then(|o| o.user.as_deref()), Some("admin"));
        e.operator_mut().unwrap().user = Some("root".into());
        assert_eq!(e.operator().and_then(|o| o.user.as_deref()), Some("root"));
        e.set_text(None);
        assert_eq!(e.text(), None);
        assert_eq!(e.summary.get(), "changed");
        assert!(e.operator().is_some());
        e.set_operator(None);
        assert!(e.operator().is_none());
    }
}
