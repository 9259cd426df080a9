//! Reading events files back: the sidecar (its schema version first, so
//! that a file from another rfo is named as such, not as corrupt), then the
//! Parquet rows, each column checked against the schema.

use super::schema::{columns, from_word};
use super::sidecar::{Sidecar, SCHEMA};
use super::EventsError;
use crate::event::{Kind, Operator, TimedEvent, Who, Whos};
use arrow_array::{
    Array, Int32Array, RecordBatch, StringArray, TimestampNanosecondArray, UInt32Array, UInt64Array,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::Path;
use std::sync::Arc;

/// A sidecar, refused when its schema is not this rfo's.
pub fn sidecar(path: &Path) -> Result<Sidecar, EventsError> {
    let corrupt = |message: String| EventsError::Corrupt {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| corrupt(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| corrupt(format!("not JSON: {e}")))?;
    let found = value
        .get("schema")
        .and_then(|s| s.as_str())
        .ok_or_else(|| corrupt("no \"schema\" field".into()))?;
    if found != SCHEMA {
        return Err(EventsError::Schema {
            path: path.to_path_buf(),
            found: found.to_string(),
            wrote: value
                .get("rfo")
                .and_then(|s| s.as_str())
                .unwrap_or("?")
                .to_string(),
        });
    }
    serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))
}

/// The rows of one events file. `file` is the source's evidence name,
/// shared by every event read, and `source` its index in the bundle being
/// analysed (the file's own `source` column is the index at extraction).
pub fn events(
    path: &Path,
    file: &Arc<str>,
    source: u32,
    rows: u64,
    keep: crate::config::Keep,
) -> Result<Vec<TimedEvent>, EventsError> {
    let corrupt = |message: String| EventsError::Corrupt {
        path: path.to_path_buf(),
        message,
    };
    let f = std::fs::File::open(path).map_err(|e| EventsError::Missing {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.with_batch_size(64 * 1024).build())
        .map_err(|e| corrupt(e.to_string()))?;
    let mut out = Vec::with_capacity(rows.min(1 << 24) as usize);
    let mut shared = Shared {
        names: Default::default(),
        whos: Default::default(),
        summaries: Default::default(),
        provenances: Default::default(),
        keep,
        rows: 0,
    };
    for batch in reader {
        let batch = batch.map_err(|e| corrupt(e.to_string()))?;
        rows_of(&batch, file, source, &mut shared, &mut out).map_err(corrupt)?;
    }
    if shared.rows != rows {
        return Err(corrupt(format!(
            "{} rows, its sidecar says {rows}",
            shared.rows
        )));
    }
    Ok(out)
}

/// A batch's columns by name, typed; a message naming the first that is
/// missing or of another type.
struct Columns<'b>(&'b RecordBatch);

impl<'b> Columns<'b> {
    fn get<A: Array + 'static>(&self, name: &str) -> Result<&'b A, String> {
        self.0
            .column_by_name(name)
            .and_then(|c| c.as_any().downcast_ref::<A>())
            .ok_or_else(|| format!("column {name:?} missing or of another type"))
    }
}

fn opt(a: &StringArray, k: usize) -> Option<&str> {
    (!a.is_null(k)).then(|| a.value(k))
}

/// What a file's events share, each held once, as ingest holds them, and
/// how far the reading is.
struct Shared {
    names: crate::event::Names,
    whos: Whos,
    summaries: crate::event::Packer,
    provenances: crate::time::provenance::Provenances,
    /// `Keep::Significant`: a plain info line (no state, no signal) is
    /// read, checked and counted, not kept, and no line's text is held, as
    /// a `Keep::Significant` parse keeps (`source::State::record`): an
    /// `extract --all` file read for `analyze` held every line first
    /// (225 MB for the 100 MB bench bundle, 88 MB now; issue 16).
    keep: crate::config::Keep,
    /// Rows read so far.
    rows: u64,
}

fn rows_of(
    batch: &RecordBatch,
    file: &Arc<str>,
    source: u32,
    Shared {
        names,
        whos,
        summaries,
        provenances,
        keep,
        rows,
    }: &mut Shared,
    out: &mut Vec<TimedEvent>,
) -> Result<(), String> {
    if batch.num_columns() != columns().len() {
        return Err(format!(
            "{} columns, schema {SCHEMA} has {}",
            batch.num_columns(),
            columns().len()
        ));
    }
    let c = Columns(batch);
    let instant: &TimestampNanosecondArray = c.get("instant")?;
    // The index at extraction: checked for its type, replaced by `source`.
    c.get::<UInt32Array>("source")?;
    let line: &UInt64Array = c.get("line")?;
    let offset: &Int32Array = c.get("offset_s")?;
    let precision: &UInt32Array = c.get("precision_ms")?;
    let s = |n: &str| c.get::<StringArray>(n);
    let (role, kind, host, subject, state, signal, summary, provenance, text) = (
        s("role")?,
        s("kind")?,
        s("host")?,
        s("subject")?,
        s("state")?,
        s("signal")?,
        s("summary")?,
        s("provenance")?,
        s("text")?,
    );
    let (user, session, command) = (
        s("operator_user")?,
        s("operator_session")?,
        s("operator_command")?,
    );
    for k in 0..batch.num_rows() {
        *rows += 1;
        let row = *rows;
        let bad = |what: &str, v: &str| format!("row {row}: {what} {v:?}");
        let provenance: crate::time::provenance::Provenance =
            serde_json::from_str(provenance.value(k))
                .map_err(|e| bad("provenance", &e.to_string()))?;
        if provenance.offset_s != offset.value(k) {
            return Err(bad(
                "offset_s differs from provenance",
                &offset.value(k).to_string(),
            ));
        }
        // One shared copy per name, as ingest holds them.
        let host = opt(host, k).map(|n| names.get(n));
        let subject = opt(subject, k).map(|n| names.get(n));
        let state = opt(state, k).map(|n| names.get(n));
        let operator = Operator {
            user: opt(user, k).map(str::to_string),
            session: opt(session, k).map(str::to_string),
            command: opt(command, k).map(str::to_string),
        };
        let who = Who {
            file: file.clone(),
            source,
            role: from_word(role.value(k)).ok_or_else(|| bad("role", role.value(k)))?,
            kind: from_word(kind.value(k)).ok_or_else(|| bad("kind", kind.value(k)))?,
            host,
            subject,
            state,
            signal: opt(signal, k)
                .map(|v| v.parse().map_err(|_| bad("signal", v)))
                .transpose()?,
            precision_ms: precision.value(k),
            provenance: provenances.get(provenance),
            operator: (operator != Operator::default()).then(|| Arc::new(operator)),
        };
        let all = *keep == crate::config::Keep::All;
        if !all && who.kind == Kind::Info && who.state.is_none() && who.signal.is_none() {
            continue;
        }
        out.push(TimedEvent {
            instant: chrono::DateTime::from_timestamp_nanos(instant.value(k)),
            line: u32::try_from(line.value(k))
                .map_err(|_| bad("line", &line.value(k).to_string()))?,
            who: whos.get(who),
            summary: summaries.pack_with(
                summary.value(k),
                opt(text, k).filter(|_| all).map(crate::event::Text::held),
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Kind, Role};
    use crate::signal::{Health, Signal};
    use crate::time::provenance::{
        DstResolution, OffsetSource, Provenance, YearOrigin, YearSource, ZoneOrigin,
    };

    fn event(line: u32) -> TimedEvent {
        TimedEvent {
            instant: chrono::DateTime::from_timestamp_nanos(1_487_822_163_120_000_001),
            line,
            who: Arc::new(crate::event::Who {
                file: Arc::from("core-switch.log"),
                source: 3,
                role: Role::Device,
                kind: Kind::Fault,
                host: Some("core-sw1".into()),
                subject: Some("Po1".into()),
                state: Some("down".into()),
                signal: Some(Signal::Health(Health::Down)),
                precision_ms: 1,
                provenance: Arc::new(Provenance {
                    offset_s: -21600,
                    offset: OffsetSource::LabelAgrees {
                        label: Arc::from("CST"),
                        zone: chrono_tz::America::Chicago,
                    },
                    year: YearSource::Given {
                        origin: YearOrigin::Bundle,
                        rollovers: 1,
                    },
                    dst: Some(DstResolution::FoldByOrder),
                    skew_ms: Some(-1500),
                }),
                operator: Some(Arc::new(Operator {
                    user: Some("admin".into()),
                    session: None,
                    command: Some("shutdown".into()),
                })),
            }),
            summary: crate::event::Summary::held_with(
                "Line protocol on Interface Port-channel1, changed state to down",
                Some(crate::event::Text::held(
                    "000123: *Feb 22 21:56:03.120 CST: %LINEPROTO-5-UPDOWN: …",
                )),
            ),
        }
    }

    /// Every field, set and unset, comes back as it was written.
    #[test]
    fn events_round_trip_through_parquet() {
        let mut bare = event(9);
        bare.who_mut().host = None;
        bare.who_mut().subject = None;
        bare.who_mut().state = None;
        bare.who_mut().signal = None;
        bare.set_text(None);
        bare.set_operator(None);
        bare.who_mut().kind = Kind::Info;
        bare.who_mut().role = Role::Public;
        bare.who_mut().provenance = Arc::new(Provenance {
            offset_s: 0,
            offset: OffsetSource::Zone {
                zone: chrono_tz::UTC,
                origin: ZoneOrigin::Assumed,
            },
            year: YearSource::InLine,
            dst: None,
            skew_ms: None,
        });
        let events = vec![event(1), bare, event(12)];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.events.parquet");
        super::super::write::events(&path, &events.clone().into(), &mut Default::default())
            .unwrap();
        let file: Arc<str> = Arc::from("core-switch.log");
        let all = crate::config::Keep::All;
        assert_eq!(super::events(&path, &file, 3, 3, all).unwrap(), events);
        // The bundle's index of the source, not the one the file was
        // extracted with (a merge of parts renumbers sources).
        let renumbered = super::events(&path, &file, 5, 3, all).unwrap();
        assert_eq!(renumbered.len(), 3);
        assert!(renumbered.iter().all(|e| e.source() == 5));
        // The row count is checked against the sidecar's.
        let err = super::events(&path, &file, 3, 4, all)
            .unwrap_err()
            .to_string();
        assert!(err.contains("3 rows, its sidecar says 4"), "{err}");
        // Read for `analyze`: the plain info line is counted, not kept, and
        // no text is held; an operator stays.
        let significant = crate::config::Keep::Significant;
        let got = super::events(&path, &file, 3, 3, significant).unwrap();
        let mut want = vec![event(1), event(12)];
        for e in &mut want {
            e.set_text(None);
        }
        assert_eq!(got, want);
        assert!(got[0].operator().is_some());
        let err = super::events(&path, &file, 3, 2, significant).unwrap_err();
        assert!(err.to_string().contains("3 rows, its sidecar says 2"));
    }

    /// An events file is input from elsewhere (another machine's
    /// `extract`, or hand-made): a line number past what an event holds is
    /// refused as corrupt, naming the column and value, not narrowed.
    #[test]
    fn an_events_file_line_past_32_bits_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.events.parquet");
        let events = vec![event(1), event(2)];
        super::super::write::events(&good, &events.clone().into(), &mut Default::default())
            .unwrap();
        // The same rows with the second line moved past u32::MAX.
        let batch = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&good).unwrap())
            .unwrap()
            .build()
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        let at = batch.schema().index_of("line").unwrap();
        let mut cols = batch.columns().to_vec();
        let far = u64::from(u32::MAX) + 1;
        cols[at] = Arc::new(UInt64Array::from(vec![1, far]));
        let bad = RecordBatch::try_new(batch.schema(), cols).unwrap();
        let path = dir.path().join("bad.events.parquet");
        let mut w = parquet::arrow::ArrowWriter::try_new(
            std::fs::File::create(&path).unwrap(),
            batch.schema(),
            None,
        )
        .unwrap();
        w.write(&bad).unwrap();
        w.close().unwrap();
        let file: Arc<str> = Arc::from("core-switch.log");
        let all = crate::config::Keep::All;
        assert_eq!(super::events(&good, &file, 3, 2, all).unwrap(), events);
        let err = super::events(&path, &file, 3, 2, all).unwrap_err();
        assert!(matches!(err, EventsError::Corrupt { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("line") && msg.contains(&far.to_string()),
            "{msg}"
        );
    }
}
