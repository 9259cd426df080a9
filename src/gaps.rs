//! Ascending `u32`s held as the LEB128 gaps between them.
//!
//! Lists of indices that only grow and are only read in order — an event's
//! word numbers in `lint`, a window's rows — are mostly close together:
//! most gaps fit a byte where a `u32` took four. A storm's windows cite a
//! million rows, and lint holds 40 word numbers for every timed line.

/// Ascending (not decreasing) `u32`s, read back in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Gaps(Box<[u8]>);

impl Gaps {
    /// `sorted` must not decrease (a gap is never negative): both callers
    /// sort first, and a list out of order would read back wrong, so it is
    /// a bug that stops the run rather than a wrong citation.
    pub fn of(sorted: &[u32]) -> Gaps {
        let mut out = Vec::with_capacity(sorted.len() + sorted.len() / 2);
        let mut prev = 0;
        for &n in sorted {
            assert!(n >= prev, "Gaps::of takes ascending numbers");
            let mut gap = n - prev;
            prev = n;
            while gap >= 0x80 {
                out.push((gap & 0x7f) as u8 | 0x80);
                gap >>= 7;
            }
            out.push(gap as u8);
        }
        Gaps(out.into_boxed_slice())
    }

    /// The numbers, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let mut bytes = self.0.iter();
        let mut prev = 0u32;
        std::iter::from_fn(move || {
            let (mut gap, mut shift) = (0u32, 0);
            loop {
                let b = *bytes.next()?;
                gap |= u32::from(b & 0x7f) << shift;
                if b < 0x80 {
                    break;
                }
                shift += 7;
            }
            prev += gap;
            Some(prev)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gaps of every width, and repeats, come back as the numbers.
    #[test]
    fn numbers_round_trip() {
        let ids: Vec<u32> = vec![0, 0, 1, 127, 128, 300, 16_383, 16_384, 2_000_000, u32::MAX];
        assert_eq!(Gaps::of(&ids).iter().collect::<Vec<_>>(), ids);
        assert_eq!(Gaps::of(&[]).iter().count(), 0);
        assert_eq!(Gaps::of(&[5, 6, 7]).0.len(), 3, "a byte a small gap");
    }
}
