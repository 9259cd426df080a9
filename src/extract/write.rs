//! Writing one source's events as Parquet (Snappy; Parquet's dictionary
//! encoding keeps repeated names, subjects and provenance small), in
//! batches so memory stays bounded by the batch, not the table.

use super::schema::{schema, word};
use crate::error::{Error, Result};
use crate::event::TimedEvent;
use arrow_array::{
    ArrayRef, Int32Array, RecordBatch, StringArray, TimestampNanosecondArray, UInt32Array,
    UInt64Array,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::path::Path;
use std::sync::Arc;

/// Rows per record batch (and row group).
const BATCH: usize = 64 * 1024;

/// Write `events` to `path` (through a temporary file, then a rename, so
/// that a reader never sees half a file); `lines` reads back the lines
/// they left in their files.
pub fn events(
    path: &Path,
    events: &crate::timeline::Timeline,
    lines: &mut crate::bundle::lines::LineReader,
) -> Result<()> {
    let tmp = path.with_extension("parquet.tmp");
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(BATCH))
        .build();
    let fail = |e: parquet::errors::ParquetError| Error::input(path, format!("parquet: {e}"));
    let mut w = ArrowWriter::try_new(file, schema(), Some(props)).map_err(fail)?;
    for from in (0..events.len()).step_by(BATCH) {
        let chunk: Vec<TimedEvent> = events
            .range(from..(from + BATCH).min(events.len()))
            .map(|e| e.to_event())
            .collect();
        w.write(&batch(&chunk, lines)?).map_err(fail)?;
    }
    w.close().map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Where an event's offset came from, and the label it weighed: the
/// provenance's first question as plain columns for SQL (the whole of it
/// is the `provenance` column).
fn offset_from(p: &crate::time::provenance::Provenance) -> (&'static str, Option<&str>) {
    use crate::time::provenance::OffsetSource as O;
    match &p.offset {
        O::InLine => ("in-line", None),
        O::Epoch => ("epoch", None),
        O::Zone { .. } => ("zone", None),
        O::LabelAgrees { label, .. } => ("label-agrees", Some(label)),
        O::LabelOverride { label } => ("label-override", Some(label)),
        O::LabelOnly { label } => ("label-only", Some(label)),
        O::ZoneOverLabel { label, .. } => ("zone-over-label", Some(label)),
        O::LabelByEvidence { label, .. } => ("label-by-evidence", Some(label)),
        O::InferredOffset => ("inferred-offset", None),
    }
}

fn batch(es: &[TimedEvent], lines: &mut crate::bundle::lines::LineReader) -> Result<RecordBatch> {
    let texts = es
        .iter()
        .map(|e| lines.owned(&e.lent()))
        .collect::<Result<Vec<Option<String>>>>()?;
    let text = |f: &dyn Fn(&TimedEvent) -> Option<&str>| -> ArrayRef {
        Arc::new(es.iter().map(f).collect::<StringArray>())
    };
    let op = |f: &dyn Fn(&crate::event::Operator) -> Option<&str>| -> ArrayRef {
        text(&|e| e.operator().and_then(f))
    };
    let nanos: Vec<i64> = es
        .iter()
        .map(|e| e.instant.timestamp_nanos_opt().unwrap_or(i64::MIN))
        .collect();
    let provenance: Vec<String> = es
        .iter()
        .map(|e| serde_json::to_string(e.provenance()).unwrap_or_default())
        .collect();
    let roles: Vec<String> = es.iter().map(|e| word(&e.who.role)).collect();
    let from: Vec<(&str, Option<&str>)> = es.iter().map(|e| offset_from(e.provenance())).collect();
    let dst: Vec<Option<String>> = es
        .iter()
        .map(|e| e.provenance().dst.map(|d| word(&d)))
        .collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(TimestampNanosecondArray::from(nanos).with_timezone("UTC")),
        Arc::new(es.iter().map(|e| e.source()).collect::<UInt32Array>()),
        text(&|e| Some(&e.who.file)),
        Arc::new(
            es.iter()
                .map(|e| u64::from(e.line))
                .collect::<UInt64Array>(),
        ),
        Arc::new(
            roles
                .iter()
                .map(|r| Some(r.as_str()))
                .collect::<StringArray>(),
        ),
        text(&|e| Some(e.who.kind.as_str())),
        text(&|e| e.who.host.as_deref()),
        text(&|e| e.who.subject.as_deref()),
        text(&|e| e.who.state.as_deref()),
        text(&|e| e.who.signal.map(|s| s.as_str())),
        Arc::new(
            es.iter()
                .map(|e| Some(e.summary.get()))
                .collect::<StringArray>(),
        ),
        Arc::new(
            es.iter()
                .map(|e| e.provenance().offset_s)
                .collect::<Int32Array>(),
        ),
        Arc::new(from.iter().map(|f| Some(f.0)).collect::<StringArray>()),
        Arc::new(from.iter().map(|f| f.1).collect::<StringArray>()),
        Arc::new(dst.iter().map(|d| d.as_deref()).collect::<StringArray>()),
        Arc::new(
            provenance
                .iter()
                .map(|p| Some(p.as_str()))
                .collect::<StringArray>(),
        ),
        Arc::new(
            es.iter()
                .map(|e| e.who.precision_ms)
                .collect::<UInt32Array>(),
        ),
        Arc::new(texts.iter().map(Option::as_deref).collect::<StringArray>()),
        op(&|o| o.user.as_deref()),
        op(&|o| o.session.as_deref()),
        op(&|o| o.command.as_deref()),
    ];
    RecordBatch::try_new(schema(), columns)
        .map_err(|e| Error::Usage(format!("events batch does not match its schema: {e}")))
}
