//! Where a buffer's lines end, found for the whole buffer at once.
//!
//! A search from each line's start for its terminator (`memchr`) ends at a
//! place the CPU cannot guess: about one mispredicted branch a line, and on
//! the bench bundle a twentieth of one thread's time went to it (issue 16).
//! Here 64 bytes at a time become a mask of their terminators, and a
//! mask's bits are written out as offsets with no branch on how many there
//! are unless a block holds more than two (two are written whatever the
//! count, the count moves the end), the way simdjson indexes its
//! structural characters. The same pass says
//! whether the buffer is all ASCII, which spares the UTF-8 check.

/// Offsets of every `stop` byte in `bytes`, in order, in `out[..n]`; and
/// whether every byte is ASCII. `out` is scratch kept between buffers:
/// its length is what it can hold, not what it holds.
pub fn line_ends(bytes: &[u8], stop: u8, out: &mut Vec<usize>) -> (usize, bool) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("bmi1")
            && std::is_x86_feature_detected!("popcnt")
        {
            // SAFETY: the CPU has AVX2, BMI1 and POPCNT, checked just above.
            return unsafe { ends_avx2(bytes, stop, out) };
        }
        // SAFETY: SSE2 is part of every x86_64 CPU.
        unsafe { ends_sse2(bytes, stop, out) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    ends_plain(bytes, stop, out)
}

/// Write the offsets of `mask`'s set bits (bit `i` is `base + i`) at
/// `out[n..]`, which has room for 64 (`room`); the new count. Two are
/// written whatever the count: for lines longer than 32 bytes a block
/// rarely holds more, and a loop on the count would be mispredicted about
/// as often as the search it replaces.
#[inline(always)]
fn put(out: &mut [usize], n: usize, base: usize, mut mask: u64) -> usize {
    let count = mask.count_ones() as usize;
    let slots = &mut out[n..n + 64];
    slots[0] = base + mask.trailing_zeros() as usize;
    mask &= mask.wrapping_sub(1);
    slots[1] = base + mask.trailing_zeros() as usize;
    mask &= mask.wrapping_sub(1);
    let mut i = 2;
    while mask != 0 {
        slots[i] = base + mask.trailing_zeros() as usize;
        mask &= mask - 1;
        i += 1;
    }
    n + count
}

/// Blocks read between two checks of `out`'s room: the check once a
/// block was 4 % of the pass.
const RUN: usize = 32;

/// Make `out` hold at least a run of blocks' ends past `n` (each byte one
/// at most), and a block more. It holds one `usize` a terminator and never
/// shrinks: for a 256 KiB buffer of blank lines, 2 MiB a reader.
#[inline(always)]
fn room(out: &mut Vec<usize>, n: usize) {
    let need = n + 64 * RUN + 64;
    if out.len() < need {
        out.resize(need.max(2 * out.len()), 0);
    }
}

/// The last `bytes.len() % 64` bytes in a zeroed block: the padding's
/// bits are masked off (`valid_bits`), and its zeros add no high bit to
/// the ASCII check.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn last_block(rest: &[u8]) -> [u8; 64] {
    let mut last = [0u8; 64];
    last[..rest.len()].copy_from_slice(rest);
    last
}

/// The walk both vector versions take: whole blocks of 64 bytes in runs
/// of `RUN` (room made once a run), then the last bytes in a zeroed block;
/// `$mask` names the version's macro for a block's terminator mask (a
/// macro, so that it expands inside the version's `target_feature`
/// function). The count of ends.
#[cfg(target_arch = "x86_64")]
macro_rules! blocks {
    ($bytes:expr, $out:expr, $mask:ident) => {{
        let (bytes, out): (&[u8], &mut Vec<usize>) = ($bytes, $out);
        let mut n = 0;
        let mut base = 0;
        let whole = bytes.len() / 64 * 64;
        for run in bytes[..whole].chunks(64 * RUN) {
            room(out, n);
            for c in run.chunks_exact(64) {
                n = put(out, n, base, $mask!(c.as_ptr()));
                base += 64;
            }
        }
        let rest = &bytes[whole..];
        if !rest.is_empty() {
            room(out, n);
            let last = last_block(rest);
            n = put(out, n, base, $mask!(last.as_ptr()) & valid_bits(rest.len()));
        }
        n
    }};
}

/// `line_ends` with AVX2: two 32-byte compares a block; a mask's bits
/// counted and found with POPCNT and BMI1's TZCNT and BLSR (without them
/// `count_ones` alone is a dozen instructions).
///
/// # Safety
/// The CPU must have AVX2, BMI1 and POPCNT.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,popcnt")]
unsafe fn ends_avx2(bytes: &[u8], stop: u8, out: &mut Vec<usize>) -> (usize, bool) {
    use std::arch::x86_64::*;
    let needle = _mm256_set1_epi8(stop as i8);
    let mut high = _mm256_setzero_si256();
    // The terminators' mask of the 64 bytes at `$at`; a macro, not a
    // closure, so that the intrinsics are compiled with this function's
    // AVX2.
    macro_rules! mask {
        ($at:expr) => {{
            let at: *const u8 = $at;
            // SAFETY: `at` points at 64 readable bytes (a whole chunk of
            // `bytes`, or `last`); unaligned loads.
            let (a, b) = unsafe {
                (
                    _mm256_loadu_si256(at.cast()),
                    _mm256_loadu_si256(at.add(32).cast()),
                )
            };
            high = _mm256_or_si256(high, _mm256_or_si256(a, b));
            let lo = _mm256_movemask_epi8(_mm256_cmpeq_epi8(a, needle)) as u32;
            let hi = _mm256_movemask_epi8(_mm256_cmpeq_epi8(b, needle)) as u32;
            u64::from(hi) << 32 | u64::from(lo)
        }};
    }
    let n = blocks!(bytes, out, mask);
    (n, _mm256_movemask_epi8(high) == 0)
}

/// `line_ends` with SSE2, which every x86_64 CPU has: four 16-byte
/// compares a block.
///
/// # Safety
/// The CPU must have SSE2 (every x86_64 CPU does).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
unsafe fn ends_sse2(bytes: &[u8], stop: u8, out: &mut Vec<usize>) -> (usize, bool) {
    use std::arch::x86_64::*;
    let needle = _mm_set1_epi8(stop as i8);
    let mut high = _mm_setzero_si128();
    macro_rules! mask {
        ($at:expr) => {{
            let at: *const u8 = $at;
            let mut mask = 0u64;
            for k in 0..4 {
                // SAFETY: `at` points at 64 readable bytes (a whole chunk
                // of `bytes`, or `last`); an unaligned load of the k-th 16.
                let v = unsafe { _mm_loadu_si128(at.add(16 * k).cast()) };
                high = _mm_or_si128(high, v);
                let m = _mm_movemask_epi8(_mm_cmpeq_epi8(v, needle)) as u16;
                mask |= u64::from(m) << (16 * k);
            }
            mask
        }};
    }
    let n = blocks!(bytes, out, mask);
    (n, _mm_movemask_epi8(high) == 0)
}

/// The mask of a block's first `len` bytes (`len` < 64).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn valid_bits(len: usize) -> u64 {
    (1u64 << len) - 1
}

/// `line_ends` a byte at a time, where there is no vector code: the same
/// answers (the tests hold every version to `memchr`'s, this one on every
/// target).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn ends_plain(bytes: &[u8], stop: u8, out: &mut Vec<usize>) -> (usize, bool) {
    let mut n = 0;
    for (base, c) in (0..).step_by(64).zip(bytes.chunks(64)) {
        room(out, n);
        let mask = c
            .iter()
            .enumerate()
            .fold(0u64, |m, (i, &b)| m | u64::from(b == stop) << i);
        n = put(out, n, base, mask);
    }
    (n, bytes.is_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    type Ends = fn(&[u8], u8, &mut Vec<usize>) -> (usize, bool);

    /// Every version this CPU can run: the dispatcher, the byte loop, and
    /// on x86_64 SSE2 and (where the CPU has them) AVX2 with BMI1 and
    /// POPCNT, each called directly.
    fn versions() -> Vec<(&'static str, Ends)> {
        let mut v: Vec<(&'static str, Ends)> =
            vec![("line_ends", line_ends), ("plain", ends_plain)];
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: every x86_64 CPU has SSE2.
            v.push(("sse2", |b, s, o| unsafe { ends_sse2(b, s, o) }));
            if std::is_x86_feature_detected!("avx2")
                && std::is_x86_feature_detected!("bmi1")
                && std::is_x86_feature_detected!("popcnt")
            {
                // SAFETY: the CPU has them, checked just above.
                v.push(("avx2", |b, s, o| unsafe { ends_avx2(b, s, o) }));
            }
        }
        v
    }

    fn expected(bytes: &[u8], stop: u8) -> (Vec<usize>, bool) {
        (memchr::memchr_iter(stop, bytes).collect(), bytes.is_ascii())
    }

    /// Each version's answer, into a scratch of its own kept across calls
    /// as the reader keeps it (`kept`), or into a fresh one.
    fn all_agree(bytes: &[u8], stop: u8, kept: Option<&mut [Vec<usize>]>, what: &str) {
        let want = expected(bytes, stop);
        let mut fresh = vec![Vec::new(); versions().len()];
        let outs = kept.unwrap_or(&mut fresh);
        for ((name, f), out) in versions().into_iter().zip(outs.iter_mut()) {
            let (n, ascii) = f(bytes, stop, out);
            assert_eq!((out[..n].to_vec(), ascii), want, "{name} {what}");
        }
    }

    /// Every length to three blocks and a byte, a terminator at each place
    /// (alone, with neighbours, in runs that fill a block), fillers low,
    /// high and next to the terminator: the same offsets as `memchr` and
    /// the same verdict as `is_ascii`, in every version.
    #[test]
    fn ends_are_memchrs() {
        let mut kept = vec![Vec::new(); versions().len()];
        for stop in [b'\n', b'\r'] {
            for len in 0..=193 {
                for at in 0..len.max(1) {
                    for fill in [b'x', 0u8, stop ^ 1, 0x80, 0xff] {
                        let mut s = vec![fill; len];
                        if at < len {
                            s[at] = stop;
                        }
                        if at + 1 < len && at % 3 == 0 {
                            s[at + 1] = stop;
                        }
                        if at + 5 < len && at % 7 == 0 {
                            for b in &mut s[at..(at + 70).min(len)] {
                                *b = stop;
                            }
                        }
                        all_agree(&s, stop, Some(&mut kept), &format!("{len} {at} {fill}"));
                    }
                }
            }
        }
    }

    /// Buffers past many runs of blocks (`RUN`): terminators dense in some
    /// stretches and sparse in others, and nothing but terminators, the
    /// room `room` makes put to the test with a fresh scratch.
    #[test]
    fn ends_of_long_buffers() {
        let mut kept = vec![Vec::new(); versions().len()];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for len in [4_095, 20_000, 70_001] {
            let s: Vec<u8> = (0..len)
                .map(|k| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let dense = (k / 3000) % 2 == 0;
                    match state % if dense { 2 } else { 150 } {
                        0 => b'\n',
                        _ => b'a' + (state >> 40) as u8 % 26,
                    }
                })
                .collect();
            all_agree(&s, b'\n', Some(&mut kept), &format!("{len}"));
            all_agree(&s, b'\n', None, &format!("{len}, fresh"));
        }
        let all = vec![b'\n'; 3 * 64 * RUN + 17];
        all_agree(&all, b'\n', Some(&mut kept), "all terminators");
        all_agree(&all, b'\n', None, "all terminators, fresh");
        all_agree(&[b'a'; 1000], b'\n', None, "none");
        all_agree(&[], b'\n', None, "empty");
    }

    /// A non-ASCII byte anywhere, however far into the buffer and in
    /// whichever of a block's loads, makes it not ASCII in every version;
    /// the last byte of a partial block counts, and the zeroed bytes after
    /// it never do.
    #[test]
    fn any_high_byte_is_seen() {
        let mut kept = vec![Vec::new(); versions().len()];
        for len in 1..=200 {
            for at in 0..len {
                let mut s = vec![b'a'; len];
                s[at] = 0xc3;
                all_agree(&s, b'\n', Some(&mut kept), &format!("{len} {at}"));
            }
        }
    }
}
