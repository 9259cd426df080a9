//! A fixed latency histogram: 8 sub-buckets per power of two of
//! microseconds, so a percentile is within 12.5% of the truth, in constant
//! memory per bucket however many requests it counts.

/// Exact below this many microseconds.
const LINEAR: u64 = 16;
/// Sub-buckets per power of two.
const SUB: u64 = 8;
/// Powers of two from 2^4 µs to 2^40 µs (about 12 days).
const SLOTS: usize = (LINEAR + (40 - 4) * SUB) as usize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hist {
    counts: Box<[u32; SLOTS]>,
    total: u64,
}

impl Default for Hist {
    fn default() -> Self {
        Hist {
            counts: Box::new([0; SLOTS]),
            total: 0,
        }
    }
}

fn slot(us: u64) -> usize {
    if us < LINEAR {
        return us as usize;
    }
    let e = 63 - u64::from(us.leading_zeros());
    if e >= 40 {
        return SLOTS - 1;
    }
    let sub = (us >> (e - 3)) & (SUB - 1);
    (LINEAR + (e - 4) * SUB + sub) as usize
}

/// The upper bound, in microseconds, of the values counted in `slot`.
fn upper(slot: usize) -> u64 {
    let s = slot as u64;
    if s < LINEAR {
        return s;
    }
    let e = (s - LINEAR) / SUB + 4;
    let sub = (s - LINEAR) % SUB;
    ((SUB + sub + 1) << (e - 3)) - 1
}

impl Hist {
    pub fn add(&mut self, us: u64) {
        let k = slot(us);
        self.counts[k] = self.counts[k].saturating_add(1);
        self.total += 1;
    }

    pub fn merge(&mut self, other: &Hist) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a = a.saturating_add(*b);
        }
        self.total += other.total;
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// The `q` quantile (0..=1) in microseconds, as the upper bound of its
    /// bucket (a p95 is never understated); `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0u64;
        for (k, &n) in self.counts.iter().enumerate() {
            seen += u64::from(n);
            if seen >= rank {
                return Some(upper(k));
            }
        }
        None
    }
}

/// Events files keep a histogram as its non-empty slots (most are empty).
#[derive(serde::Serialize, serde::Deserialize)]
struct Sparse {
    total: u64,
    slots: Vec<(u16, u32)>,
}

impl serde::Serialize for Hist {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let slots = (self.counts.iter().enumerate())
            .filter(|(_, &n)| n > 0)
            .map(|(k, &n)| (k as u16, n))
            .collect();
        Sparse {
            total: self.total,
            slots,
        }
        .serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Hist {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Hist, D::Error> {
        let sparse = Sparse::deserialize(d)?;
        let mut h = Hist {
            total: sparse.total,
            ..Hist::default()
        };
        for (k, n) in sparse.slots {
            let slot = h.counts.get_mut(k as usize).ok_or_else(|| {
                serde::de::Error::custom(format!("latency slot {k} out of range"))
            })?;
            *slot = n;
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_lands_in_a_slot_whose_bound_holds_it_within_an_eighth() {
        for us in [
            0,
            1,
            15,
            16,
            17,
            100,
            999,
            1_000,
            123_456,
            5_000_000,
            1 << 39,
        ] {
            let b = upper(slot(us));
            assert!(b >= us, "{us} -> {b}");
            assert!((b - us) as f64 <= us as f64 / 8.0 + 1.0, "{us} -> {b}");
        }
        assert_eq!(slot(u64::MAX), SLOTS - 1);
    }

    #[test]
    fn p95_of_a_hundred_requests_is_the_95th() {
        let mut h = Hist::default();
        for ms in 1..=100u64 {
            h.add(ms * 1000);
        }
        let p95 = h.quantile(0.95).unwrap();
        assert!((95_000..=95_000 + 95_000 / 8).contains(&p95), "{p95}");
        let p50 = h.quantile(0.5).unwrap();
        assert!((50_000..=50_000 + 50_000 / 8).contains(&p50), "{p50}");
        assert_eq!(Hist::default().quantile(0.5), None);
    }
}
