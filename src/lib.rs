//! rfo turns a bundle of incident logs into an evidence-backed Reason for
//! Outage draft.
//!
//! ```text
//! bundle ──► sources ──► records ──► timed events ──► align ──► timeline ──► windows ──► analysis ──► report
//!  (dir,     (file +    (grammar    (UTC instant,     (labels    (k-way       (per-subject  (JSON,      (handlebars
//!  tar,       grammar +  fields,     zone evidence,    vs zones,  merge,       state machine, serde)      template)
//!  manifest)  zone)      line no.)   kind, subject)    skew)      stable)      union, trigger)
//! ```
//!
//! Module map: `bundle` (files, manifest, archives, line reading),
//! `grammar` (patterns, record forms, rules, detection), `time` (stamps,
//! zones, abbreviations, resolution policy, years, provenance), `ingest`
//! (plan and parallel parse), `extract` (events files: parse where the
//! logs are, merge and analyze once), `align` (cross-source time evidence),
//! `timeline`, `window`, `analysis`, `discrepancy`, `report` (every
//! output's rendering, one module per output), `human` (numbers in words,
//! shared by messages and outputs), `lint`, `golden` (fixtures, through
//! `pipeline` and `report`), `config` (flags resolved into options),
//! `cmd`/`cli` (the edge: `cmd` orchestrates and nothing imports it).
//!
//! Each stage is a module with one job and a plain data type at its
//! boundary. Stages after parsing never see raw text except through the
//! evidence they carry. Nothing in the pipeline reads the wall clock or the
//! host's time zone.

pub mod align;
pub mod analysis;
pub mod bundle;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod discrepancy;
pub mod error;
pub mod event;
pub mod evidence;
pub mod extract;
pub mod finding;
pub mod gaps;
pub mod golden;
pub mod grammar;
pub mod heap;
pub mod human;
pub mod ingest;
pub mod lint;
pub mod pipeline;
pub mod rates;
pub mod redact;
pub mod report;
pub mod seal;
pub mod signal;
pub mod time;
pub mod timeline;
pub mod window;
