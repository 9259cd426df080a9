//! How an event's instant was obtained: offset, year and DST decisions.
//!
//! Every timed event carries one; `rfo timeline --format json` prints it and
//! the report summarises it per source, so a reviewer can retrace any number.

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::Arc;

/// Where a source's zone came from, weakest last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneOrigin {
    /// `[[source]] zone` in bundle.toml.
    Source,
    /// `--zone` on the command line.
    Flag,
    /// `[defaults] zone` in bundle.toml.
    BundleDefault,
    /// Nothing said: UTC, with a `zone-assumed` finding.
    Assumed,
}

/// A zone and why it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ZoneChoice {
    #[serde(serialize_with = "ser_tz", deserialize_with = "de_tz")]
    pub tz: Tz,
    pub origin: ZoneOrigin,
}

/// Where a year-less source's year came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum YearOrigin {
    Flag,
    Manifest,
    /// From the dated sources of the same bundle.
    Bundle,
    /// From the file's modification time: weak, flagged.
    FileMtime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct YearChoice {
    pub year: i32,
    pub origin: YearOrigin,
}

/// Where the UTC offset of one event came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum OffsetSource {
    /// A numeric offset or `Z` written in the line.
    InLine,
    /// An epoch timestamp: no offset involved.
    Epoch,
    /// The source zone's rules; the line carried no label.
    Zone {
        #[serde(serialize_with = "ser_tz", deserialize_with = "de_tz")]
        zone: Tz,
        origin: ZoneOrigin,
    },
    /// The line's label, which agrees with the source zone at that instant.
    LabelAgrees {
        label: Arc<str>,
        #[serde(serialize_with = "ser_tz", deserialize_with = "de_tz")]
        zone: Tz,
    },
    /// The line's label, pinned by `--abbrev` or the manifest.
    LabelOverride { label: Arc<str> },
    /// The line's label, with no declared zone to check it against.
    LabelOnly { label: Arc<str> },
    /// The line's label disagreed with the zone; the zone's rules were used.
    ZoneOverLabel {
        label: Arc<str>,
        #[serde(serialize_with = "ser_tz", deserialize_with = "de_tz")]
        zone: Tz,
    },
    /// The line's label disagreed with the zone, and cross-source evidence
    /// chose the label's reading (`align`).
    LabelByEvidence {
        label: Arc<str>,
        #[serde(serialize_with = "ser_tz", deserialize_with = "de_tz")]
        zone: Tz,
    },
    /// No zone was given; cross-source evidence chose this offset (`align`).
    InferredOffset,
}

fn ser_tz<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

/// A zone written by `ser_tz`, read back by its IANA name (events files).
fn de_tz<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
    let name = String::deserialize(d)?;
    name.parse()
        .map_err(|_| serde::de::Error::custom(format!("unknown zone {name:?}")))
}

/// Where the year of one event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum YearSource {
    InLine,
    Given {
        origin: YearOrigin,
        /// Years added by December→January steps before this line.
        rollovers: i32,
    },
}

/// How a DST ambiguity was settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DstResolution {
    /// Fall-back fold; the line's label named the reading.
    FoldByLabel,
    /// Fall-back fold; the earliest reading not before the previous line.
    FoldByOrder,
    /// Fall-back fold; the earlier reading although it steps back from the
    /// latest line by no more than the jitter tolerance (`time::fold`).
    FoldByOrderJitter,
    /// Fall-back fold with nothing to decide by: the earlier reading, flagged.
    FoldUnresolved,
    /// Spring-forward gap: read with the offset in force before it, flagged.
    Gap,
}

/// The whole story of one instant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Provenance {
    pub offset_s: i32,
    pub offset: OffsetSource,
    pub year: YearSource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst: Option<DstResolution>,
    /// Milliseconds added to correct a skewed clock (`--correct-skew`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skew_ms: Option<i64>,
}

/// One shared copy of each distinct provenance a source's events hold.
///
/// A provenance is part of its event's shared `Who` (an event holds no
/// pointer of its own to it; issue 16), so equal provenances
/// must be one allocation, or every change of provenance would make new
/// `Who`s: a log whose lines alternate between two offsets has two.
#[derive(Debug, Default)]
pub struct Provenances {
    map: rustc_hash::FxHashMap<Provenance, std::sync::Arc<Provenance>>,
    last: Option<std::sync::Arc<Provenance>>,
}

impl Provenances {
    pub fn get(&mut self, p: Provenance) -> std::sync::Arc<Provenance> {
        // Consecutive lines mostly agree: no hashing for them.
        if let Some(last) = self.last.as_ref().filter(|l| ***l == p) {
            return last.clone();
        }
        let shared = self
            .map
            .entry(p)
            .or_insert_with_key(|p| std::sync::Arc::new(p.clone()))
            .clone();
        self.last = Some(shared.clone());
        shared
    }
}
