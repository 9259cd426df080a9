//! A stretch of a source read on its own (`rfo extract --part`) and the
//! stretches of a source put together again at the merge: the same
//! `carry` / `depends_on` / `resume` / `absorb` as `chunked` in one
//! process, with the state between them written out as data.

use super::{finish, scan, EnvelopeSkew, SourcePlan, SourceResult, State};
use crate::bundle::read;
use crate::config::Keep;
use crate::error::{Error, Result};
use crate::grammar::record::ParseFailure;
use crate::grammar::Grammar;
use crate::time::resolve::SourceClock;
use serde::{Deserialize, Serialize};

/// One stretch of a source read alone (`rfo extract --part`), before
/// `finish`: the counts, the clocks' states and the events, to be put
/// together with the other stretches at the merge (`merge_parts`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partial {
    /// Byte range and first line number.
    pub start: u64,
    pub end: u64,
    pub first_line: u64,
    lines: u64,
    parsed: u64,
    failures: Vec<ParseFailure>,
    unparsed: u64,
    no_year: u64,
    out_of_range: (u64, Option<(u64, i32)>),
    invalid_date: (u64, Option<(u64, String)>),
    clock: crate::time::resolve::ClockState,
    recv_clock: crate::time::resolve::ClockState,
    envelope: EnvelopeSkew,
    rates: Option<crate::rates::SourceRates>,
    users: std::collections::BTreeSet<String>,
    /// Kept apart (in Parquet), not in the sidecar.
    #[serde(skip)]
    pub events: crate::timeline::Timeline,
}

impl Partial {
    fn chunk(&self) -> read::Chunk {
        read::Chunk {
            start: self.start,
            end: self.end,
            first_line: self.first_line,
        }
    }
}

impl<'p> State<'p> {
    fn into_partial(mut self, c: read::Chunk) -> Partial {
        Partial {
            start: c.start,
            end: c.end,
            first_line: c.first_line,
            lines: self.lines,
            parsed: self.parsed,
            failures: self.failures,
            unparsed: self.unparsed,
            no_year: self.no_year,
            out_of_range: self.out_of_range,
            invalid_date: self.invalid_date,
            clock: self.clock.snapshot(),
            recv_clock: self.recv_clock.snapshot(),
            envelope: self.envelope,
            rates: self.rates,
            users: self.users,
            events: self.events.finish(),
        }
    }

    fn from_partial(plan: &'p SourcePlan, keep: Keep, p: Partial) -> Result<State<'p>> {
        let mut st = State::new(plan, keep);
        let clock = |c| {
            SourceClock::restore(
                c,
                plan.file.rel.clone(),
                plan.zone,
                plan.year,
                plan.overrides.clone(),
            )
            .map_err(|m| Error::input(&plan.file.abs, m))
        };
        st.clock = clock(p.clock)?;
        st.recv_clock = clock(p.recv_clock)?;
        st.lines = p.lines;
        st.parsed = p.parsed;
        st.failures = p.failures;
        st.unparsed = p.unparsed;
        st.no_year = p.no_year;
        st.out_of_range = p.out_of_range;
        st.invalid_date = p.invalid_date;
        st.envelope = p.envelope;
        st.rates = p.rates;
        st.users = p.users;
        st.events.append(p.events);
        Ok(st)
    }
}

/// Read one stretch of a plain, line-by-line source from a fresh clock.
pub fn run_part(plan: &SourcePlan, g: &Grammar, keep: Keep, chunk: read::Chunk) -> Result<Partial> {
    let mut st = State::new(plan, keep);
    scan(
        &mut st,
        g,
        &mut *read::open_chunk(&plan.file.abs, chunk)?,
        chunk,
        None,
        None,
        &(),
    )?;
    Ok(st.into_partial(chunk))
}

/// Put a source's stretches (in file order, tiling it) together as
/// `chunked` does in one process: a stretch whose answers could depend on
/// the one before is read again from the real state — from the file, which
/// `readable` must first vouch for — then absorbed; then `finish`.
pub fn merge_parts(
    plan: &SourcePlan,
    g: &Grammar,
    keep: Keep,
    parts: Vec<Partial>,
    readable: &dyn Fn() -> Result<()>,
) -> Result<SourceResult> {
    let mut merged: Option<State> = None;
    for p in parts {
        let chunk = p.chunk();
        let mut part = State::from_partial(plan, keep, p)?;
        let Some(m) = merged.as_mut() else {
            merged = Some(part);
            continue;
        };
        let carry = m.clock.carry();
        let recv_carry = m.recv_clock.carry();
        if part.clock.depends_on(&carry) || part.recv_clock.depends_on(&recv_carry) {
            readable()?;
            part = State::new(plan, keep);
            part.clock.resume(carry);
            part.recv_clock.resume(recv_carry);
            let path = &plan.file.abs;
            scan(
                &mut part,
                g,
                &mut *read::open_chunk(path, chunk)?,
                chunk,
                None,
                None,
                &(),
            )?;
        }
        m.absorb(part);
    }
    finish(merged.unwrap_or_else(|| State::new(plan, keep)), Some(g))
}
