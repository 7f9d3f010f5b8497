//! A synthetic knowledge base for load benchmarks: articles of made-up words whose
//! frequencies follow Zipf's law, as words of real text do, in both scripts.
//!
//! Answer quality is measured on real help content (`frontline kb eval`); this corpus only
//! measures how indexing and search scale with the number of articles.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::article::{Article, Lang, Slug};

/// Distinct made-up words per language.
const VOCABULARY: usize = 40_000;
/// Zipf exponent of word frequencies (about 1 in natural language).
const ZIPF_S: f64 = 1.05;

/// The commonest function words, most frequent first (as in large corpora).
const STOP_EN: &str = "the of and to a in is that for it as was with be by on not he this are or his \
    from at which but have an they you were her she there been one all we their has would";
const STOP_RU: &str = "и в не на я что он с как а то все она так его но да ты к у же вы за бы по \
    только ее мне было вот от меня еще нет о из ему когда даже ну ли если уже или ни быть был";

/// A deterministic generator of synthetic articles and questions about them.
pub struct Synth {
    seed: u64,
    words: [Vec<String>; 2],
    /// Cumulative Zipf weights over word ranks, for sampling by binary search.
    cumulative: Vec<f64>,
}

impl Synth {
    pub fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let latin = [
            "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "pre", "stan", "gor", "del", "ix",
            "ment", "ble",
        ];
        let cyrillic = [
            "ка", "ло", "ми", "не", "ру", "са", "то", "ви", "при", "стан", "гор", "дел", "ость",
            "ние", "ски",
        ];
        let mut make = |syllables: &[&str]| -> Vec<String> {
            let mut seen = std::collections::HashSet::new();
            while seen.len() < VOCABULARY {
                let n = rng.random_range(2..=4);
                let w: String = (0..n)
                    .map(|_| syllables[rng.random_range(0..syllables.len())])
                    .collect();
                seen.insert(w);
            }
            let mut v: Vec<String> = seen.into_iter().collect();
            v.sort();
            v
        };
        // Real text is mostly function words, which the analyzer drops; they take the top
        // ranks here too, so the corpus is as hard on the index as real text, not harder.
        let with_stop_words = |stop: &str, mut made: Vec<String>| {
            let mut v: Vec<String> = stop.split_whitespace().map(String::from).collect();
            v.append(&mut made);
            v.truncate(VOCABULARY);
            v
        };
        let words = [
            with_stop_words(STOP_RU, make(&cyrillic)),
            with_stop_words(STOP_EN, make(&latin)),
        ];
        let mut total = 0.0;
        let cumulative = (1..=VOCABULARY)
            .map(|r| {
                total += 1.0 / (r as f64).powf(ZIPF_S);
                total
            })
            .collect();
        Synth {
            seed,
            words,
            cumulative,
        }
    }

    fn word<'a>(&'a self, rng: &mut StdRng, lang: Lang) -> &'a str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.random_range(0.0..total);
        let rank = self
            .cumulative
            .partition_point(|&c| c < x)
            .min(VOCABULARY - 1);
        &self.words[lang.id() as usize][rank]
    }

    fn sentence(&self, rng: &mut StdRng, lang: Lang, words: usize) -> String {
        (0..words)
            .map(|_| self.word(rng, lang))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Article `i` of the corpus; the same `i` always gives the same article.
    pub fn article(&self, i: u64) -> Article {
        let mut rng = StdRng::seed_from_u64(self.seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let lang = if i.is_multiple_of(2) {
            Lang::En
        } else {
            Lang::Ru
        };
        let title_len = rng.random_range(3..=7);
        let title = self.sentence(&mut rng, lang, title_len);
        let paragraphs = rng.random_range(2..=5);
        let body = (0..paragraphs)
            .map(|_| {
                let n = rng.random_range(25..=70);
                format!("{}.", self.sentence(&mut rng, lang, n))
            })
            .collect::<Vec<_>>()
            .join("\n\n");
        let mut a = Article {
            slug: Slug::parse(&format!("synth-{i}")).unwrap_or_else(|_| unreachable_slug()),
            lang,
            title,
            tags: vec![self.word(&mut rng, lang).to_string()],
            category: None,
            questions: Vec::new(),
            learned: Vec::new(),
            body,
        };
        a.tags.dedup();
        a
    }

    /// A question about article `i`: a few of its title words and a few of its body words.
    pub fn question(&self, i: u64) -> String {
        let a = self.article(i);
        let mut rng = StdRng::seed_from_u64(self.seed.wrapping_add(i));
        let title: Vec<&str> = a.title.split_whitespace().collect();
        let body: Vec<&str> = a.body.split_whitespace().collect();
        let mut q = Vec::new();
        for _ in 0..3 {
            q.push(title[rng.random_range(0..title.len())]);
        }
        for _ in 0..3 {
            q.push(body[rng.random_range(0..body.len())].trim_end_matches('.'));
        }
        q.join(" ")
    }
}

fn unreachable_slug() -> Slug {
    // `synth-N` is always a valid slug; this keeps the generator free of panics all the same.
    Slug::parse("synth").unwrap_or_else(|_| unreachable!("a constant slug is valid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_deterministic_and_in_both_languages() {
        let s = Synth::new(7);
        assert_eq!(s.article(3), Synth::new(7).article(3));
        assert_eq!(s.article(0).lang, Lang::En);
        assert_eq!(s.article(1).lang, Lang::Ru);
        assert!(s.article(1).body.chars().any(crate::text::is_cyrillic));
        assert!(!s.question(5).is_empty());
    }
}
