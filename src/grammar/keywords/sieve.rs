//! The prefilter's words found in a line's own bytes, ASCII case ignored,
//! 32 bytes a step.
//!
//! aho-corasick's SIMD search (Teddy) is case-sensitive, so the prefilter
//! first copied each stretch lower-cased and then searched the copy: on
//! the bench bundle the copy was 26 M instructions and the search 1.3 a
//! byte (123 M), a tenth of a run (issue 16). This is the same algorithm,
//! Hyperscan's Teddy, with the case folded into its tables instead of the
//! text: a byte is looked up by its two nibbles, and an ASCII letter's
//! upper and lower case differ only in the high nibble (`A` is 0x41, `a`
//! 0x61), so a letter's bucket bits are set for both high nibbles and the
//! text is read as it is. Each word's fingerprint is three adjacent bytes
//! of it (one shuffle a step fewer than Teddy's four), not its first three
//! but its rarest in logs: "com" of `command=` is in every `example.com`,
//! "nd=" in none. A candidate is checked with one 8-byte load against each
//! word of its buckets.
//!
//! What is found is a word lying in the text from where the search starts,
//! the one whose fingerprint ends first: so no other word lies wholly
//! before it, and in text of lines (words hold no line ends) it is in the
//! first line holding any. The tests hold it to a search of the
//! lower-cased text.

/// Bytes of a word in its fingerprint; words must be at least this long.
const PRINT: usize = 3;

/// Most words a sieve takes, as aho-corasick's Teddy: past that its eight
/// buckets hold long lists and every candidate checks them all.
const MAX_WORDS: usize = 64;

/// Bytes of logs, ASCII letters in lower case, most frequent first, as
/// `benches/byte_order.py` counts them in `../shared/corpora` (347 files of
/// real logs). A fingerprint is the word's three adjacent bytes that rank
/// least common here; bytes not listed are the rarest.
const COMMON: &[u8] = b" e0t1oasi/.2nrl:cm5pd\x22b3uh-6g4f7w8><,9;k\x0av=yx()]";

/// One word of a bucket, its first eight bytes ready for a check with one
/// load: `(text | fold) & mask == value` holds exactly when the text starts
/// with the word, ASCII case ignored (a lower-case letter `c` is matched by
/// `c` and by `c ^ 0x20` alone, and the fold sets only letters' 0x20 bit).
#[derive(Debug, Clone)]
struct Word {
    fold: u64,
    mask: u64,
    value: u64,
    /// Where its fingerprint starts in it.
    print: usize,
    /// The whole word, lower-cased, for its bytes past the eighth and for
    /// a check near the end of the text.
    bytes: Box<[u8]>,
}

impl Word {
    fn new(w: &[u8]) -> Word {
        let (mut fold, mut mask, mut value) = (0u64, 0u64, 0u64);
        for (i, &c) in w.iter().take(8).enumerate() {
            if c.is_ascii_lowercase() {
                fold |= 0x20 << (8 * i);
            }
            mask |= 0xff << (8 * i);
            value |= u64::from(c) << (8 * i);
        }
        let commonness = |c: &u8| {
            COMMON
                .iter()
                .position(|x| x == c)
                .map_or(0, |k| COMMON.len() - k)
        };
        let print = (0..=w.len() - PRINT)
            .min_by_key(|&i| w[i..i + PRINT].iter().map(commonness).sum::<usize>())
            .unwrap_or(0);
        Word {
            fold,
            mask,
            value,
            print,
            bytes: w.into(),
        }
    }

    fn fingerprint(&self) -> &[u8] {
        &self.bytes[self.print..self.print + PRINT]
    }

    /// Whether `hay` holds this word at `p`, ASCII case ignored.
    #[inline]
    fn at(&self, hay: &[u8], p: usize) -> bool {
        let n = self.bytes.len();
        match hay.get(p..p + 8) {
            Some(x) => {
                let x = u64::from_le_bytes(x.try_into().expect("eight bytes"));
                (x | self.fold) & self.mask == self.value
                    && (n <= 8 || same(hay.get(p + 8..p + n), &self.bytes[8..]))
            }
            None => same(hay.get(p..p + n), &self.bytes),
        }
    }
}

/// Whether `text` is `word` (lower case), ASCII case ignored.
fn same(text: Option<&[u8]>, word: &[u8]) -> bool {
    text.is_some_and(|t| {
        t.iter()
            .zip(word)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
    })
}

/// A set of words searched for together; see the module's doc.
#[derive(Debug, Clone)]
pub struct Sieve {
    /// For each byte of a fingerprint, the buckets having a word whose
    /// byte there has this low nibble; `hi` the same for high nibbles.
    lo: [[u8; 16]; PRINT],
    hi: [[u8; 16]; PRINT],
    buckets: [Vec<Word>; 8],
}

impl Sieve {
    /// `None` unless the machine can run the search (x86_64 with AVX2) and
    /// every word is lower case and at least `PRINT` bytes long.
    pub fn new(words: &[Vec<u8>]) -> Option<Sieve> {
        if !avx2()
            || words.is_empty()
            || words.len() > MAX_WORDS
            || words
                .iter()
                .any(|w| w.len() < PRINT || w.iter().any(u8::is_ascii_uppercase))
        {
            return None;
        }
        let mut words: Vec<Word> = words.iter().map(|w| Word::new(w)).collect();
        words.sort_by(|a, b| (a.fingerprint(), &a.bytes).cmp(&(b.fingerprint(), &b.bytes)));
        words.dedup_by(|a, b| a.bytes == b.bytes);
        // Words sharing a fingerprint share a bucket; fingerprints close in
        // sort order (often the same first bytes) share one when there are
        // more than eight, so the tables' cross-products admit little more.
        let mut prints: Vec<&[u8]> = words.iter().map(Word::fingerprint).collect();
        prints.dedup();
        let spread = prints.len().max(8);
        let buckets: Vec<usize> = words
            .iter()
            .map(|w| {
                let k = prints
                    .binary_search(&w.fingerprint())
                    .expect("every print is listed");
                k * 8 / spread
            })
            .collect();
        let mut s = Sieve {
            lo: [[0; 16]; PRINT],
            hi: [[0; 16]; PRINT],
            buckets: Default::default(),
        };
        for (w, b) in words.into_iter().zip(buckets) {
            for (i, &c) in w.fingerprint().iter().enumerate() {
                s.lo[i][usize::from(c & 15)] |= 1 << b;
                s.hi[i][usize::from(c >> 4)] |= 1 << b;
                if c.is_ascii_lowercase() {
                    s.hi[i][usize::from((c ^ 0x20) >> 4)] |= 1 << b;
                }
            }
            s.buckets[b].push(w);
        }
        Some(s)
    }

    /// Where a word of the set starts in `hay`, lying after `from`: of
    /// those, the one whose fingerprint ends first (see the module's doc).
    pub fn find(&self, hay: &[u8], from: usize) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `new` made a sieve only on a machine with AVX2.
            unsafe { self.find_avx2(hay, from) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self.find_plain(hay, from)
        }
    }

    /// Where a word starts whose fingerprint ends at `end`, of those in the
    /// buckets `bits`, not before `from`.
    #[inline]
    fn check(&self, hay: &[u8], from: usize, end: usize, mut bits: u8) -> Option<usize> {
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            for w in &self.buckets[b] {
                match (end + 1).checked_sub(PRINT + w.print) {
                    Some(p) if p >= from && w.at(hay, p) => return Some(p),
                    _ => {}
                }
            }
        }
        None
    }

    /// The search a byte at a time, from the same tables: what the vector
    /// search computes 32 positions at once, in the same order.
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn find_plain(&self, hay: &[u8], from: usize) -> Option<usize> {
        (from + PRINT - 1..hay.len()).find_map(|end| {
            let bits = (0..PRINT).fold(0xffu8, |acc, i| {
                let c = hay[end + 1 + i - PRINT];
                acc & self.lo[i][usize::from(c & 15)] & self.hi[i][usize::from(c >> 4)]
            });
            self.check(hay, from, end, bits)
        })
    }

    /// `check` of each candidate end of a step at `j`, in order.
    #[inline(always)]
    fn check_step(
        &self,
        hay: &[u8],
        from: usize,
        j: usize,
        bits: &[u8; 32],
        mut ends: u32,
    ) -> Option<usize> {
        while ends != 0 {
            let i = ends.trailing_zeros() as usize;
            ends &= ends - 1;
            if let Some(p) = self.check(hay, from, j + i, bits[i]) {
                return Some(p);
            }
        }
        None
    }

    /// `find`, 32 positions a step (`avx2::Steps`).
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn find_avx2(&self, hay: &[u8], from: usize) -> Option<usize> {
        let mut steps = avx2::Steps::new(&self.lo, &self.hi);
        match steps.run(self, hay, from) {
            Ok(p) => Some(p),
            Err(at) if at < hay.len() => {
                let (buckets, ends) = steps.last(&hay[at..])?;
                self.check_step(hay, from, at, &buckets, ends)
            }
            Err(_) => None,
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::Sieve;
    use std::arch::x86_64::*;

    /// The search's state between steps: the tables in vector form and the
    /// answers of the step before for the fingerprint's first two places.
    pub struct Steps {
        lo: [__m256i; 3],
        hi: [__m256i; 3],
        prev: [__m256i; 2],
    }

    impl Steps {
        /// Nothing carried in: no fingerprint starting before the first
        /// step is seen.
        ///
        /// # Safety
        /// The CPU must have AVX2.
        #[target_feature(enable = "avx2")]
        pub unsafe fn new(lo: &[[u8; 16]; 3], hi: &[[u8; 16]; 3]) -> Steps {
            let table =
                |t: &[u8; 16]| _mm256_broadcastsi128_si256(_mm_loadu_si128(t.as_ptr().cast()));
            Steps {
                lo: [table(&lo[0]), table(&lo[1]), table(&lo[2])],
                hi: [table(&hi[0]), table(&hi[1]), table(&hi[2])],
                prev: [_mm256_setzero_si256(); 2],
            }
        }

        /// One step on the 32 bytes `v`: for each, the buckets of the
        /// fingerprints ending there. Each place's answers are moved one
        /// and two bytes later, so that at each byte the three agree on a
        /// fingerprint ending there; each 16-byte lane takes its missing
        /// first bytes from the lane before it (for the lower lane, the
        /// step before's upper one).
        #[inline(always)]
        unsafe fn step(&self, prev: &mut [__m256i; 2], v: __m256i) -> __m256i {
            let nibble = _mm256_set1_epi8(0x0f);
            let lo = _mm256_and_si256(v, nibble);
            let hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble);
            let place = |i: usize| {
                _mm256_and_si256(
                    _mm256_shuffle_epi8(self.lo[i], lo),
                    _mm256_shuffle_epi8(self.hi[i], hi),
                )
            };
            let (r0, r1, r2) = (place(0), place(1), place(2));
            let s1 = _mm256_alignr_epi8(r1, _mm256_permute2x128_si256(prev[1], r1, 0x21), 15);
            let s0 = _mm256_alignr_epi8(r0, _mm256_permute2x128_si256(prev[0], r0, 0x21), 14);
            *prev = [r0, r1];
            _mm256_and_si256(_mm256_and_si256(s0, s1), r2)
        }

        /// A step's candidate ends, a bit each, and their buckets; `None`
        /// when it has none.
        #[inline(always)]
        unsafe fn ends(r: __m256i) -> Option<([u8; 32], u32)> {
            let ends = !(_mm256_movemask_epi8(_mm256_cmpeq_epi8(r, _mm256_setzero_si256())) as u32);
            (ends != 0).then(|| {
                let mut buckets = [0u8; 32];
                _mm256_storeu_si256(buckets.as_mut_ptr().cast(), r);
                (buckets, ends)
            })
        }

        /// Whole steps from `from`, each candidate checked as it comes:
        /// `Ok` with where a word starts, found in them, else `Err` with
        /// where the bytes left, fewer than a step, start.
        /// Nothing in the loop calls out, so the tables stay in registers
        /// (a call in it had them reloaded from the stack every step).
        ///
        /// # Safety
        /// The CPU must have AVX2.
        #[target_feature(enable = "avx2")]
        #[inline(never)]
        pub unsafe fn run(
            &mut self,
            sieve: &Sieve,
            hay: &[u8],
            from: usize,
        ) -> Result<usize, usize> {
            // In registers for the loop, back in `self` at its end.
            let mut prev = self.prev;
            let mut j = from;
            let load = |j: usize| _mm256_loadu_si256(hay.as_ptr().add(j).cast());
            // Two steps a turn, one test of both for a candidate: most
            // turns have none.
            while j < hay.len() && hay.len() - j >= 64 {
                // SAFETY: 64 bytes from `j` are in bounds; the loads are
                // unaligned.
                let a = self.step(&mut prev, load(j));
                let b = self.step(&mut prev, load(j + 32));
                let both = _mm256_or_si256(a, b);
                if _mm256_testz_si256(both, both) == 0 {
                    for (at, r) in [(j, a), (j + 32, b)] {
                        if let Some((buckets, ends)) = Steps::ends(r) {
                            if let Some(p) = sieve.check_step(hay, from, at, &buckets, ends) {
                                return Ok(p);
                            }
                        }
                    }
                }
                j += 64;
            }
            if j < hay.len() && hay.len() - j >= 32 {
                // SAFETY: 32 bytes from `j` are in bounds.
                let r = self.step(&mut prev, load(j));
                if let Some((buckets, ends)) = Steps::ends(r) {
                    if let Some(p) = sieve.check_step(hay, from, j, &buckets, ends) {
                        return Ok(p);
                    }
                }
                j += 32;
            }
            self.prev = prev;
            Err(j)
        }

        /// The step on the last bytes, fewer than 32, padded with zeros: a
        /// position in the padding may pass the tables, never the check,
        /// which reads the text itself.
        ///
        /// # Safety
        /// The CPU must have AVX2.
        #[target_feature(enable = "avx2")]
        pub unsafe fn last(&self, tail: &[u8]) -> Option<([u8; 32], u32)> {
            let mut padded = [0u8; 32];
            padded[..tail.len()].copy_from_slice(tail);
            let mut prev = self.prev;
            Steps::ends(self.step(&mut prev, _mm256_loadu_si256(padded.as_ptr().cast())))
        }
    }
}

/// Whether this machine runs `find_avx2`.
fn avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where words occur in `hay` from `from`, ASCII case ignored: what a
    /// search of the lower-cased text finds.
    fn occurrences(words: &[Vec<u8>], hay: &[u8], from: usize) -> Vec<(usize, usize)> {
        let lower = hay.to_ascii_lowercase();
        let mut out = Vec::new();
        for q in from..hay.len() {
            for w in words.iter().filter(|w| lower[q..].starts_with(w)) {
                out.push((q, q + w.len()));
            }
        }
        out
    }

    /// `find` against the lower-cased search: a word is found when one
    /// occurs, where one occurs, with none lying wholly before it; and the
    /// vector search answers as the byte-at-a-time one does.
    fn holds(s: &Sieve, words: &[Vec<u8>], hay: &[u8], from: usize) -> Result<(), String> {
        let found = s.find(hay, from);
        let all = occurrences(words, hay, from);
        let ok = match found {
            None => all.is_empty(),
            Some(p) => all.iter().any(|&(q, _)| q == p) && all.iter().all(|&(_, e)| e > p),
        };
        if !ok || found != s.find_plain(hay, from) {
            return Err(format!(
                "{:?} from {from}: found {found:?}, plain {:?}, occurrences {all:?}",
                String::from_utf8_lossy(hay),
                s.find_plain(hay, from)
            ));
        }
        Ok(())
    }

    fn sieve(words: &[Vec<u8>]) -> Option<Sieve> {
        let s = Sieve::new(words);
        if s.is_none() && avx2() {
            assert!(
                words
                    .iter()
                    .any(|w| w.len() < PRINT || w.iter().any(u8::is_ascii_uppercase)),
                "{words:?}"
            );
        }
        s
    }

    /// The built-in grammars' words, in text written around them: every
    /// case, the padding of the last step, fingerprints across steps.
    #[test]
    fn finds_what_a_lower_cased_search_finds() {
        let words: Vec<Vec<u8>> = [
            " is down",
            "accepted ",
            "command=",
            "deploy",
            "link ",
            "releaſe",
            "server ",
            "down",
            "hard",
            "state:\t",
            ", changed state to up",
            "] [source: ",
            "acknowledge_svc_problem",
        ]
        .iter()
        .map(|w| w.as_bytes().to_vec())
        .collect();
        let Some(s) = sieve(&words) else {
            eprintln!("skipped: no AVX2 on this machine");
            return;
        };
        // Not every fingerprint is a prefix.
        assert!(s.buckets.iter().flatten().any(|w| w.print > 0));
        let filler = b"xY7 \t\x00\xff-co";
        let mut checked = 0;
        for w in &words {
            for lead in 0..70 {
                for trail in [0, 1, 2, 7, 8, 31, 33] {
                    for case in 0..3 {
                        let mut hay: Vec<u8> =
                            (0..lead).map(|i| filler[i % filler.len()]).collect();
                        hay.extend(w.iter().enumerate().map(|(i, c)| match case {
                            0 => *c,
                            1 => c.to_ascii_uppercase(),
                            _ if i % 2 == 0 => c.to_ascii_uppercase(),
                            _ => *c,
                        }));
                        hay.extend((0..trail).map(|i| filler[i % filler.len()]));
                        for from in [0, lead.saturating_sub(1), lead, lead + 1] {
                            holds(&s, &words, &hay, from).unwrap();
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 10_000);
        // Bytes one bit from a letter's cases are not it: `@` is not `` ` ``,
        // `{` not `[`.
        assert_eq!(s.find(b"x ]{source: } [source: ] [source: ", 0), Some(23));
        assert_eq!(s.find(b"`CCEPTED @CCEPTED  accepted ", 0), Some(19));
        // Nothing is found from past the end.
        assert_eq!(s.find(b"hard", 5), None);
        assert_eq!(s.find(b"hard", 4), None);
        // A word cut by the end of the text is not found.
        assert_eq!(s.find(b"xx accepted", 0), None);
        assert_eq!(s.find(b"xx ACCEPTED ", 0), Some(3));
        // Of two words, the one ending first, though it starts later.
        assert_eq!(s.find(b"acknowledge_svc_problem hard", 0), Some(0));
        assert_eq!(s.find(b"acknowledge_svc_ hard accepted ", 0), Some(17));
    }

    /// Words too short for a fingerprint, or not lower case, are left to
    /// the automaton; so is a machine without AVX2.
    #[test]
    fn declines_what_it_cannot_search() {
        assert!(Sieve::new(&[b"ab".to_vec(), b"abc".to_vec()]).is_none());
        assert!(Sieve::new(&[b"Abc".to_vec()]).is_none());
        assert!(Sieve::new(&[]).is_none());
        let many: Vec<Vec<u8>> = (0..=MAX_WORDS)
            .map(|k| format!("w{k:03}").into_bytes())
            .collect();
        assert!(Sieve::new(&many).is_none());
        assert_eq!(Sieve::new(&many[..MAX_WORDS]).is_some(), avx2());
        assert_eq!(Sieve::new(&[b"abc".to_vec()]).is_some(), avx2());
    }

    /// A fingerprint is the word's least common three bytes in logs.
    #[test]
    fn fingerprints_are_rare_bytes() {
        let print = |w: &str| {
            let w = Word::new(w.as_bytes());
            String::from_utf8(w.fingerprint().to_vec()).unwrap()
        };
        assert_eq!(print("command="), "nd=");
        assert_eq!(print("server "), "erv");
        assert_eq!(print("link "), "ink");
        assert_eq!(print("abc"), "abc");
    }

    proptest::proptest! {
        /// Any words (many sharing buckets), any text of their letters in
        /// either case, any start.
        #[test]
        fn agrees_with_a_lower_cased_search(
            words in proptest::collection::vec("[abcké\\t \\[]{3,10}", 1..20),
            text in "[abcABCkKÉé\\t \\n@`\\[{]{0,200}",
            from in 0usize..200,
        ) {
            let words: Vec<Vec<u8>> = words.into_iter().map(String::into_bytes).collect();
            let Some(s) = sieve(&words) else {
                return Ok(());
            };
            let hay = text.as_bytes();
            let from = from.min(hay.len());
            if let Err(e) = holds(&s, &words, hay, from) {
                proptest::prop_assert!(false, "{}", e);
            }
        }
    }
}
