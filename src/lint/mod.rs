//! `rfo lint`: check a postmortem or RFO against the evidence.
//!
//! `read` turns any Markdown or plain-text report into claims (`scan` finds
//! times, `dates` dates and durations, `zone` zones, `context` the zone a
//! bare time takes from its heading, table or statement); `evidence` holds
//! the bundle's events and matches a sentence to the one it states;
//! `checks` holds the checks of times, dates and durations, `header` those
//! of the RFO header. Every problem names the report line and, when there
//! is one, the log line that contradicts it. `Coverage` says what was read
//! and what could be checked, so that silence never means "all good".

pub mod checks;
pub mod cite;
pub mod context;
pub mod dates;
pub mod evidence;
pub mod header;
pub mod index;
pub mod public;
pub mod read;
pub mod scan;
pub mod stemmer;
pub mod zone;

use crate::analysis::Analysis;
use crate::evidence::Evidence;
use crate::finding::{FindingCode, Severity};
use crate::timeline::Timeline;
use chrono::Datelike;
use chrono_tz::Tz;
use serde::Serialize;

/// Default tolerance between a stated time and the evidence.
pub const TOLERANCE_S: i64 = 120;

/// Which layout the report is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Any postmortem: no field is required.
    Any,
    /// The RFO header fields are required.
    Rfo,
}

#[derive(Debug, Clone, Copy)]
pub struct LintOptions {
    pub tolerance_s: i64,
    pub report_zone: Tz,
    /// `None`: the RFO form when the report starts with its header.
    pub form: Option<Form>,
}

impl LintOptions {
    /// The options `lint` and `seal` take on the command line: the
    /// analysis's report zone (an IANA name), `--tolerance`, `--form`.
    pub fn from_flags(
        report_zone: &str,
        tolerance_s: i64,
        form: Option<&str>,
    ) -> crate::error::Result<LintOptions> {
        let report_zone = report_zone.parse().map_err(|_| {
            crate::error::Error::Usage(format!("report zone {report_zone:?} is not an IANA zone"))
        })?;
        Ok(LintOptions {
            tolerance_s,
            report_zone,
            form: match form {
                Some("rfo") => Some(Form::Rfo),
                Some(_) => Some(Form::Any),
                None => None,
            },
        })
    }
}

/// One problem in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    pub code: FindingCode,
    pub severity: Severity,
    pub message: String,
    /// 1-based line of the report; `None` for something missing altogether.
    pub report_line: Option<usize>,
    /// The offending text as written.
    pub text: Option<String>,
    /// The log line that contradicts it, when there is one.
    pub evidence: Option<Evidence>,
    /// A correction, only when it differs from the text.
    pub suggestion: Option<String>,
}

impl LintFinding {
    pub fn new(
        code: FindingCode,
        severity: Severity,
        line: Option<usize>,
        text: Option<&str>,
        message: String,
    ) -> LintFinding {
        LintFinding {
            code,
            severity,
            message,
            report_line: line,
            text: text.map(str::to_string),
            evidence: None,
            suggestion: None,
        }
    }

    /// Set the suggestion unless it says what the text already says.
    pub fn suggest(&mut self, s: String) {
        let same = self
            .text
            .as_deref()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case(s.trim()));
        if !same {
            self.suggestion = Some(s);
        }
    }
}

/// What lint read and what it could check against the evidence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub times_read: usize,
    pub times_checked: usize,
    /// Times with no zone written or given by the context: not checked.
    pub times_unzoned: usize,
    pub dates_read: usize,
    pub dates_checked: usize,
    pub durations_read: usize,
    pub durations_checked: usize,
}

impl Coverage {
    pub fn read(&self) -> usize {
        self.times_read + self.dates_read + self.durations_read
    }

    pub fn checked(&self) -> usize {
        self.times_checked + self.dates_checked + self.durations_checked
    }
}

/// The findings, sorted by report line, and the coverage.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub findings: Vec<LintFinding>,
    pub coverage: Coverage,
    pub form: Option<Form>,
}

/// Lint `report` against `analysis` and the bundle's `events`, whose
/// load found `skews`.
pub fn lint(
    report: &str,
    analysis: &Analysis,
    events: &Timeline,
    lines: &mut crate::bundle::lines::LineReader,
    skews: &[crate::align::Skew],
    opts: &LintOptions,
) -> crate::error::Result<Outcome> {
    let form = opts.form.unwrap_or(if read::is_rfo_form(report) {
        Form::Rfo
    } else {
        Form::Any
    });
    let evs = stemmer::unstemmed(events);
    let stemmer = stemmer::Stemmer::new(events, &evs, lines);
    let year = evs
        .first()
        .map(|e| e.at().year())
        .or_else(|| {
            analysis
                .windows
                .first()
                .and_then(|w| w.start.get(..4)?.parse().ok())
        })
        .unwrap_or(2000);
    let ropts = read::ReadOptions {
        default_zone: (form == Form::Rfo).then_some(zone::Zone::Named(opts.report_zone)),
        year,
    };
    let claims = read::read(report, &ropts);
    let mut out = Outcome {
        form: Some(form),
        ..Outcome::default()
    };
    if form == Form::Rfo {
        header::fields_present(&claims, &mut out.findings);
    }
    header::placeholders(&claims, &mut out.findings);
    let cited = cite::Cited::new(events, claims.mentions.iter().map(|m| m.sentence.as_str()));
    let ctx = checks::Ctx::new(&claims, analysis, &evs, &stemmer, opts, cited, skews);
    checks::times(&ctx, &mut out);
    checks::dates(&ctx, &mut out);
    checks::durations(&ctx, &mut out);
    header::check(&ctx, &mut out);
    if let Some(e) = stemmer.error() {
        return Err(e);
    }
    out.coverage.times_unzoned = claims.unzoned;
    out.findings
        .sort_by_key(|f| (f.report_line.unwrap_or(0), f.code));
    Ok(out)
}
