//! A tiny seeded generator (SplitMix64): the same seed gives the same
//! repository on every machine, with no dependency and no entropy from the
//! environment.

#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for one part of the repository, independent of how many
    /// numbers the other parts drew.
    pub(crate) fn derive(seed: u64, stream: u64) -> Self {
        let mut mixer = Self(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        Self(mixer.next_u64())
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        // Multiply-shift: no modulo bias worth speaking of at these sizes.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `low..=high`.
    pub(crate) fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// True with the given probability in percent.
    pub(crate) fn percent(&mut self, chance: usize) -> bool {
        self.below(100) < chance
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub(crate) fn hex(&mut self, digits: usize) -> String {
        let mut out = String::with_capacity(digits);
        while out.len() < digits {
            out.push_str(&format!("{:016x}", self.next_u64()));
        }
        out.truncate(digits);
        out
    }

    pub(crate) fn version(&mut self) -> String {
        format!("{}.{}.{}", self.below(8), self.below(40), self.below(20))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers() {
        let a: Vec<u64> = (0..8).map({
            let mut rng = Rng::derive(7, 0);
            move |_| rng.next_u64()
        }).collect();
        let b: Vec<u64> = (0..8).map({
            let mut rng = Rng::derive(7, 0);
            move |_| rng.next_u64()
        }).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn bounded_draws_stay_in_range() {
        let mut rng = Rng::derive(1, 0);
        for _ in 0..10_000 {
            assert!(rng.below(3) < 3);
            let n = rng.between(40, 120);
            assert!((40..=120).contains(&n));
        }
    }
}
