//! Running a grammar's embedded samples: every sample line must parse and
//! yield the fields, classification and instant it promises.

use super::Grammar;
use crate::time::provenance::{YearChoice, YearOrigin, ZoneChoice, ZoneOrigin};
use crate::time::resolve::SourceClock;
use std::collections::HashMap;
use std::sync::Arc;

/// One failed expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleFailure {
    pub grammar: String,
    pub sample: usize,
    pub message: String,
}

/// Check every sample of `g`; empty means all passed.
pub fn check(g: &Grammar) -> Vec<SampleFailure> {
    let mut out = Vec::new();
    for (k, s) in g.samples.iter().enumerate() {
        if let Err(message) = check_one(g, s) {
            out.push(SampleFailure {
                grammar: g.name.clone(),
                sample: k + 1,
                message,
            });
        }
    }
    out
}

fn check_one(g: &Grammar, s: &super::spec::SampleSpec) -> Result<(), String> {
    let recs = if g.is_document() {
        g.parse_document(&s.text)?
    } else {
        let line = s.text.trim_end_matches('\n');
        vec![g.parse_line(line, 1).map_err(|e| {
            format!(
                "does not parse (stopped at column {}): {line}",
                e.offset + 1
            )
        })?]
    };
    let rec = recs
        .get(s.record)
        .ok_or_else(|| format!("record {} not produced ({} records)", s.record, recs.len()))?;
    let line = (!g.is_document()).then(|| s.text.trim_end_matches('\n'));
    let class = g.classify(rec, None, line);
    for (key, want) in &s.expect {
        let got: Option<String> = match key.as_str() {
            "kind" => Some(class.kind.as_str().to_string()),
            "subject" => class.subject.clone(),
            "state" => class.state.clone(),
            "summary" => class.summary.clone(),
            "signal" => class.signal.map(|s| s.as_str().to_string()),
            "operator" => class.operator.as_ref().and_then(|o| o.user.clone()),
            "operator_session" => class.operator.as_ref().and_then(|o| o.session.clone()),
            "operator_command" => class.operator.as_ref().and_then(|o| o.command.clone()),
            "instant" => Some(instant(rec, s)?),
            field => rec.get(field).map(str::to_string),
        };
        if got.as_deref() != Some(want.as_str()) {
            return Err(format!("{key}: expected {want:?}, got {got:?}"));
        }
    }
    Ok(())
}

fn instant(rec: &super::record::Record, s: &super::spec::SampleSpec) -> Result<String, String> {
    let tz = match &s.zone {
        Some(z) => z.parse().map_err(|_| format!("unknown zone {z:?}"))?,
        None => chrono_tz::UTC,
    };
    let mut clock = SourceClock::new(
        "sample",
        ZoneChoice {
            tz,
            origin: ZoneOrigin::Source,
        },
        s.year.map(|year| YearChoice {
            year,
            origin: YearOrigin::Manifest,
        }),
        Arc::new(HashMap::new()),
    );
    let stamp = rec.stamp.as_ref().ok_or("no timestamp")?;
    let t = clock
        .resolve(stamp, rec.get("tz"), rec.line)
        .map_err(|e| format!("time: {e:?}"))?;
    Ok(crate::time::rfc3339(&t.instant))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::registry::Registry;

    #[test]
    fn every_builtin_sample_passes() {
        let reg = Registry::builtin_with_samples().unwrap();
        for g in reg.all() {
            assert!(!g.samples.is_empty(), "{} has no samples", g.name);
            let f = check(g);
            assert!(f.is_empty(), "{f:#?}");
        }
    }
}
