//! Search: from what a user typed to ranked hits with the evidence for a decision.
//!
//! Scoring is BM25F computed straight from tantivy's postings: term frequencies of all
//! fields are combined before saturation, so a word said in the title and again in the body
//! is not counted as two independent pieces of evidence (tantivy's own BM25 scores each
//! field apart and adds them up). A bonus follows for a title the question covers. (A bonus
//! for query words next to each other in the article was tried and dropped: it moved top-1
//! by under half a point and cost a postings read per candidate.) The same pass measures how much of the query each article covers, which is what tells a
//! real question from chit-chat that happens to share a word.
//!
//! Every article that shares a word with the query is scored, term at a time, into scratch
//! arrays reused between searches; there is no first-stage cut that could lose the answer.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

use tantivy::InvertedIndexReader;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, TermInfo};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, DocSet, Searcher, TERMINATED, Term};

use crate::article::{Lang, Slug};
use crate::decision::{self, Decision, Features, Verdict};
use crate::error::KbError;
use crate::index::{KnowledgeBase, TextField};
use crate::text;
use crate::typo;

/// Characters of a query that are analyzed; the rest of a pasted log adds nothing but time.
const MAX_QUERY_CHARS: usize = 4_000;
/// Distinct query terms used; past this a query is a document, not a question.
const MAX_QUERY_TERMS: usize = 48;
/// A term in at least this many articles (and 5% of them) counts as common, for pruning.
const COMMON_TERM_MIN_DF: u64 = 5_000;
/// Skipping to each of `n` articles beats reading a postings list whole when the list is
/// longer than `n` times this.
const SEEK_RATIO: u64 = 8;
/// Articles kept for the decision and the hit list.
const TOP_K: usize = 10;

/// Per-field weight and length normalisation (BM25F). Title and the questions users ask for
/// an article are the strongest evidence; learned phrasings (questions the article answered)
/// come next, below what an admin wrote, since one user's wording may be loose; the lead
/// says what the page is for.
#[derive(Debug, Clone, Copy)]
struct FieldWeight {
    field: TextField,
    weight: f32,
    b: f32,
}

#[rustfmt::skip]
const FIELD_WEIGHTS: [FieldWeight; 6] = [
    FieldWeight { field: TextField::Title, weight: 3.0, b: 0.5 },
    FieldWeight { field: TextField::Questions, weight: 3.0, b: 0.5 },
    FieldWeight { field: TextField::Learned, weight: 2.0, b: 0.5 },
    FieldWeight { field: TextField::Lead, weight: 1.5, b: 0.5 },
    FieldWeight { field: TextField::Body, weight: 1.0, b: 0.75 },
    FieldWeight { field: TextField::Meta, weight: 2.0, b: 0.3 },
];

/// BM25F saturation. Larger than the textbook 1.2 because the weighted frequencies of five
/// fields add up: with 1.2 every matched term saturates and repetition stops counting. With
/// 6 (the figure tuned on summaries alone) a long question's many weak words drowned its few
/// telling ones; 3 is best on both kinds of question (docs/BENCHMARKS.md).
pub(crate) const K1: f32 = 3.0;
/// Bonus for a title the question covers, in units of the query's mean IDF. Titles are
/// short and say what a page is for; a question that contains the whole title asks for it.
const TITLE_COVERAGE_WEIGHT: f32 = 2.0;
/// An article only in the other language is worth this share of its score: found when
/// nothing in the user's language matches, never ahead of a comparable native article.
pub(crate) const OTHER_LANG_FACTOR: f32 = 0.6;

/// Per segment, per field: the field's postings reader and each query term's info.
type SegmentInfos = Vec<Vec<(Arc<InvertedIndexReader>, Vec<Option<TermInfo>>)>>;
/// What [`KnowledgeBase::look_up`] finds: term infos, per-term per-field document
/// frequencies, and per-field token counts.
type Lookups = (
    SegmentInfos,
    Vec<[u64; FIELD_WEIGHTS.len()]>,
    [u64; FIELD_WEIGHTS.len()],
);

/// One ranked article.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub slug: Slug,
    pub lang: Lang,
    pub score: f32,
}

/// What a search found and what to do with it.
#[derive(Debug, Clone)]
pub struct SearchOutcome {
    pub decision: Decision,
    /// Every candidate, best first, one per article.
    pub hits: Vec<Hit>,
    /// The language the query was taken to be in.
    pub lang: Lang,
    /// The evidence the decision was made on, for `kb search` and calibration.
    pub features: Option<Features>,
}

pub(crate) struct QueryTerm {
    pub text: String,
    pub idf: f32,
    /// 1 for a word as typed; [`typo::CORRECTED_WEIGHT`] for a correction of an unknown one.
    pub weight: f32,
}

pub(crate) struct Candidate {
    addr: DocAddress,
    lang: Lang,
    slug: String,
    /// Weighted, length-normalised frequency of each query term over all fields.
    pub tfw: Vec<f32>,
    /// Share of the article's title words that the query contains.
    pub title_coverage: f32,
    pub score: f32,
}

impl KnowledgeBase {
    /// Searches for `text`, preferring articles in the query's language (detected from its
    /// letters, else `lang`), and decides: answer, suggest, or no match.
    ///
    /// Nothing a user types makes this fail: query syntax is not interpreted, and empty or
    /// huge text gives `NoMatch` or a normal result.
    ///
    /// # Errors
    /// [`KbError::Index`] only when the index itself cannot be read.
    #[tracing::instrument(skip(self, text), fields(chars = text.len()))]
    pub fn search(&self, text: &str, lang: Option<Lang>) -> Result<SearchOutcome, KbError> {
        let qlang = Lang::detect(text).or(lang).unwrap_or(Lang::En);
        let searcher = self.reader.searcher();
        let mut terms = Self::query_terms(text);
        let mut candidates = self.score(&searcher, &mut terms, qlang)?;
        if let Some(best) = candidates.first_mut() {
            best.title_coverage = best
                .title_coverage
                .max(self.question_coverage(&searcher, best.addr, &terms)?);
        }
        let features = candidates.first().map(|best| {
            let idfs: Vec<f32> = terms.iter().map(|t| t.idf * t.weight).collect();
            Features::new(&idfs, best, candidates.get(1))
        });
        let verdict = decision::judge(terms.is_empty(), features.as_ref());
        // Articles are read from the store only for what will be shown.
        let fetch = |n: usize| -> Result<Vec<_>, KbError> {
            candidates
                .iter()
                .take(n)
                .map(|c| self.article_at(&searcher, c.addr))
                .collect()
        };
        let decision = match verdict {
            Verdict::Answer { confidence } => {
                let article = fetch(1)?.swap_remove(0);
                let stems: Vec<&str> = terms.iter().map(|t| t.text.as_str()).collect();
                let snippet = crate::snippet::snippet(&article.body, &article.title, &stems);
                Decision::Answer {
                    article: Box::new(article),
                    confidence,
                    snippet,
                }
            }
            Verdict::Suggest { confidence } => Decision::Suggest {
                articles: fetch(decision::MAX_SUGGESTIONS)?,
                confidence,
            },
            Verdict::NoMatch { reason } => Decision::NoMatch { reason },
        };
        let hits = candidates
            .iter()
            .filter_map(|c| {
                Some(Hit {
                    slug: Slug::parse(&c.slug).ok()?,
                    lang: c.lang,
                    score: c.score,
                })
            })
            .collect();
        Ok(SearchOutcome {
            decision,
            hits,
            lang: qlang,
            features,
        })
    }

    /// The largest share of one of the article's listed or learned questions that the query
    /// contains; 0 for an article without either (known from the fields' lengths, without
    /// reading it).
    fn question_coverage(
        &self,
        searcher: &Searcher,
        addr: DocAddress,
        terms: &[QueryTerm],
    ) -> Result<f32, KbError> {
        let segment = searcher.segment_reader(addr.segment_ord);
        let mut empty = true;
        for field in [self.fields.questions, self.fields.learned] {
            empty &= segment.get_fieldnorms_reader(field)?.fieldnorm(addr.doc_id) == 0;
        }
        if empty {
            return Ok(0.0);
        }
        let article = self.article_at(searcher, addr)?;
        let asked = article.questions.iter().map(String::as_str);
        let learned = article.learned.iter().map(|l| l.text.as_str());
        let best = asked
            .chain(learned)
            .map(|q| {
                let words = text::analyze(q);
                let hits = words
                    .iter()
                    .filter(|w| terms.iter().any(|t| &t.text == *w))
                    .count();
                hits as f32 / words.len().max(1) as f32
            })
            .fold(0.0, f32::max);
        Ok(best)
    }

    /// The query's distinct terms, at most [`MAX_QUERY_TERMS`]; IDFs are filled in by
    /// [`Self::score`], which looks each term up once.
    fn query_terms(text: &str) -> Vec<QueryTerm> {
        let cut = text
            .char_indices()
            .nth(MAX_QUERY_CHARS)
            .map_or(text, |(i, _)| &text[..i]);
        let mut out: Vec<QueryTerm> = Vec::new();
        for t in text::analyze(cut) {
            if out.len() == MAX_QUERY_TERMS {
                break;
            }
            if !out.iter().any(|q| q.text == t) {
                out.push(QueryTerm {
                    text: t,
                    idf: 0.0,
                    weight: 1.0,
                });
            }
        }
        out
    }

    /// Scores every article sharing a word with the query; returns the best [`TOP_K`], best
    /// first, one per slug.
    fn score(
        &self,
        searcher: &Searcher,
        terms: &mut [QueryTerm],
        qlang: Lang,
    ) -> Result<Vec<Candidate>, KbError> {
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let segments = searcher.segment_readers();
        let (mut infos, mut df, mut tokens) = self.look_up(searcher, terms)?;
        // A word no article contains is probably mistyped: search the index's closest word
        // instead (see `typo`), then look the corrected terms up again.
        let mut corrected = false;
        let unknown: Vec<usize> = (0..terms.len())
            .filter(|&i| df[i].iter().all(|&n| n == 0))
            .take(typo::MAX_CORRECTIONS)
            .collect();
        for i in unknown {
            // A correction to a word the question already has would count that word twice.
            if let Some(fix) = typo::correct(searcher, self.fields.body, &terms[i].text)?
                && !terms.iter().any(|t| t.text == fix)
            {
                terms[i].text = fix;
                terms[i].weight = typo::CORRECTED_WEIGHT;
                corrected = true;
            }
        }
        if corrected {
            (infos, df, tokens) = self.look_up(searcher, terms)?;
        }
        let max_doc: u64 = segments.iter().map(|r| r.max_doc() as u64).sum();
        let n = searcher.num_docs().max(1) as f32;
        for (t, df) in terms.iter_mut().zip(&df) {
            // A term is as common as in the field where it is most common: a word frequent in
            // bodies is common even if it is rare in titles.
            let df = (*df.iter().max().unwrap_or(&0) as f32).min(n);
            t.idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        }
        let terms = &*terms;
        // Rarest first; in a large index, terms in more than this many articles are only
        // looked up for articles a rarer term already found (see the loop below). A small
        // index is always scored exhaustively.
        let common_df = (n as u64 / 20).max(COMMON_TERM_MIN_DF);
        let max_df: Vec<u64> = df
            .iter()
            .map(|d| d.iter().copied().max().unwrap_or(0))
            .collect();
        let common: Vec<bool> = max_df.iter().map(|&d| d > common_df).collect();
        let mut order: Vec<usize> = (0..terms.len()).collect();
        order.sort_by_key(|&ti| max_df[ti]);
        let mean_idf = terms.iter().map(|t| t.idf).sum::<f32>() / terms.len() as f32;
        // tantivy stores a field's length as one of 256 codes, so the BM25F length
        // normalisation `weight / (1 - b + b·len/avg)` is one table per field.
        let factors: Vec<[f32; 256]> = FIELD_WEIGHTS
            .iter()
            .enumerate()
            .map(|(fi, fw)| {
                let avg_len = (tokens[fi] as f32 / max_doc.max(1) as f32).max(1.0);
                std::array::from_fn(|id| {
                    let len = FieldNormReader::id_to_fieldnorm(id as u8) as f32;
                    fw.weight / (1.0 - fw.b + fw.b * len / avg_len)
                })
            })
            .collect();
        let mut top: Vec<Candidate> = Vec::new();
        SCRATCH.with_borrow_mut(|scratch| -> Result<(), KbError> {
            for (segment_ord, (reader, per_field)) in segments.iter().zip(&infos).enumerate() {
                scratch.reset(reader.max_doc() as usize, terms.len());
                let norms = FIELD_WEIGHTS
                    .iter()
                    .map(|fw| reader.get_fieldnorms_reader(self.fields.text(fw.field)))
                    .collect::<Result<Vec<_>, _>>()?;
                for &ti in &order {
                    // Past the rare terms, a common one only adds to articles already found,
                    // skipping through its postings when they are few enough that skipping is
                    // cheaper than reading the list whole. An article that only common words
                    // match seldom ranks above one that a rarer word matches, and is left out.
                    let only_found = common[ti] && !scratch.touched.is_empty();
                    let seeking =
                        only_found && (scratch.touched.len() as u64) * SEEK_RATIO < max_df[ti];
                    if seeking {
                        scratch.touched.sort_unstable();
                    }
                    for (fi, (fw, (inverted, per_term))) in
                        FIELD_WEIGHTS.iter().zip(per_field).enumerate()
                    {
                        let Some(info) = &per_term[ti] else { continue };
                        let mut postings = inverted
                            .read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)
                            .map_err(tantivy::TantivyError::from)?;
                        let visit = |doc: DocId, tf: u32, scratch: &mut Scratch| {
                            let id = norms[fi].fieldnorm_id(doc);
                            let tf = tf as f32;
                            if only_found && !scratch.seen[doc as usize] {
                                return;
                            }
                            scratch.add(doc, ti, tf * factors[fi][id as usize]);
                            if fw.field == TextField::Title {
                                scratch.title(doc, tf, FieldNormReader::id_to_fieldnorm(id) as f32);
                            }
                        };
                        if seeking {
                            for k in 0..scratch.touched.len() {
                                let doc = scratch.touched[k];
                                if postings.doc() == TERMINATED {
                                    break;
                                }
                                if postings.seek(doc) == doc {
                                    visit(doc, postings.term_freq(), scratch);
                                }
                            }
                        } else {
                            let mut doc = postings.doc();
                            while doc != TERMINATED {
                                visit(doc, postings.term_freq(), scratch);
                                doc = postings.advance();
                            }
                        }
                    }
                }
                let alive = reader.alive_bitset();
                let mut scored: Vec<(f32, f32, DocId)> = Vec::with_capacity(scratch.touched.len());
                for &doc in &scratch.touched {
                    if alive.is_some_and(|a| a.is_deleted(doc)) {
                        continue;
                    }
                    let bm25f: f32 = terms
                        .iter()
                        .zip(scratch.tfw(doc))
                        .map(|(t, &w)| t.weight * t.idf * w * (K1 + 1.0) / (K1 + w))
                        .sum();
                    let (hits, len) = scratch.titles[doc as usize];
                    let title_coverage = if len > 0.0 {
                        (hits / len).min(1.0)
                    } else {
                        0.0
                    };
                    scored.push((
                        bm25f + TITLE_COVERAGE_WEIGHT * title_coverage * mean_idf,
                        title_coverage,
                        doc,
                    ));
                }
                // Only the best can matter; more than one per slug is kept, since the
                // language preference may still reorder them.
                let keep = TOP_K * 2;
                if scored.len() > keep {
                    scored.select_nth_unstable_by(keep, |a, b| {
                        b.0.total_cmp(&a.0).then(a.2.cmp(&b.2))
                    });
                    scored.truncate(keep);
                }
                top.extend(
                    scored
                        .into_iter()
                        .map(|(score, title_coverage, doc)| Candidate {
                            addr: DocAddress::new(segment_ord as u32, doc),
                            lang: Lang::En,
                            slug: String::new(),
                            tfw: scratch.tfw(doc).to_vec(),
                            title_coverage,
                            score,
                        }),
                );
            }
            Ok(())
        })?;
        top.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.addr.cmp(&b.addr)));
        top.truncate(TOP_K * 2);
        self.finish(searcher, qlang, &mut top)?;
        Ok(top)
    }

    /// Every (segment, field, term) looked up once: its document frequency gives the IDF,
    /// and its term info opens the postings. Also the token count of each field.
    fn look_up(&self, searcher: &Searcher, terms: &[QueryTerm]) -> Result<Lookups, KbError> {
        let segments = searcher.segment_readers();
        let mut infos = Vec::with_capacity(segments.len());
        let mut df = vec![[0u64; FIELD_WEIGHTS.len()]; terms.len()];
        // Field lengths are averaged over the whole index, not per segment, so a score does
        // not depend on how the writer happened to split documents into segments.
        let mut tokens = [0u64; FIELD_WEIGHTS.len()];
        for reader in segments {
            let mut per_field = Vec::with_capacity(FIELD_WEIGHTS.len());
            for (fi, fw) in FIELD_WEIGHTS.iter().enumerate() {
                let field = self.fields.text(fw.field);
                let inverted = reader.inverted_index(field)?;
                tokens[fi] += inverted.total_num_tokens();
                let mut per_term = Vec::with_capacity(terms.len());
                // A field nobody filled in (no questions, no tags) costs no look-ups.
                let empty = inverted.total_num_tokens() == 0;
                for (ti, t) in terms.iter().enumerate() {
                    if empty {
                        per_term.push(None);
                        continue;
                    }
                    let info = inverted
                        .get_term_info(&Term::from_field_text(field, &t.text))
                        .map_err(tantivy::TantivyError::from)?;
                    df[ti][fi] += info.as_ref().map_or(0, |i| i.doc_freq as u64);
                    per_term.push(info);
                }
                per_field.push((inverted, per_term));
            }
            infos.push(per_field);
        }
        Ok((infos, df, tokens))
    }

    /// Language for the leading candidates, the language preference, one hit per article
    /// (by slug key), and the slugs of the hits kept.
    fn finish(
        &self,
        searcher: &Searcher,
        qlang: Lang,
        top: &mut Vec<Candidate>,
    ) -> Result<(), KbError> {
        let mut keys = Vec::with_capacity(top.len());
        for c in top.iter_mut() {
            let fast = searcher.segment_reader(c.addr.segment_ord).fast_fields();
            let doc = c.addr.doc_id;
            c.lang = fast
                .u64("lang_id")?
                .first(doc)
                .and_then(Lang::from_id)
                .unwrap_or(Lang::En);
            if c.lang != qlang {
                c.score *= OTHER_LANG_FACTOR;
            }
            keys.push((c.addr, fast.u64("slug_key")?.first(doc).unwrap_or(0)));
        }
        top.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.addr.cmp(&b.addr)));
        let mut seen = HashSet::new();
        top.retain(|c| {
            let key = keys
                .iter()
                .find(|(addr, _)| *addr == c.addr)
                .map_or(0, |k| k.1);
            seen.insert(key)
        });
        top.truncate(TOP_K);
        // Slugs are read from their dictionary only for the hits kept: each read scans a
        // dictionary block, which is the dearest step per hit.
        for c in top.iter_mut() {
            let fast = searcher.segment_reader(c.addr.segment_ord).fast_fields();
            if let Some(col) = fast.str("slug")?
                && let Some(ord) = col.term_ords(c.addr.doc_id).next()
            {
                col.ord_to_str(ord, &mut c.slug)
                    .map_err(tantivy::TantivyError::from)?;
            }
        }
        Ok(())
    }
}

/// Per-thread scratch space for scoring one segment: dense arrays indexed by doc id, cleared
/// through the list of docs touched, so a search costs what its postings cost and not what
/// the index's size costs.
#[derive(Default)]
struct Scratch {
    /// `tfw[doc * terms + term]`: weighted, length-normalised frequency over all fields.
    tfw: Vec<f32>,
    /// `(title words matched, title length)` per doc.
    titles: Vec<(f32, f32)>,
    seen: Vec<bool>,
    touched: Vec<DocId>,
    terms: usize,
}

impl Scratch {
    fn reset(&mut self, max_doc: usize, terms: usize) {
        for &d in &self.touched {
            let d = d as usize;
            self.seen[d] = false;
            self.titles[d] = (0.0, 0.0);
            self.tfw[d * self.terms..(d + 1) * self.terms].fill(0.0);
        }
        self.touched.clear();
        self.terms = terms;
        if self.seen.len() < max_doc {
            self.seen.resize(max_doc, false);
            self.titles.resize(max_doc, (0.0, 0.0));
        }
        if self.tfw.len() < max_doc * terms {
            self.tfw.resize(max_doc * terms, 0.0);
        }
    }

    fn add(&mut self, doc: DocId, term: usize, w: f32) {
        let d = doc as usize;
        if !self.seen[d] {
            self.seen[d] = true;
            self.touched.push(doc);
        }
        self.tfw[d * self.terms + term] += w;
    }

    fn tfw(&self, doc: DocId) -> &[f32] {
        let d = doc as usize;
        &self.tfw[d * self.terms..(d + 1) * self.terms]
    }

    fn title(&mut self, doc: DocId, tf: f32, len: f32) {
        let t = &mut self.titles[doc as usize];
        t.0 += tf;
        t.1 = len;
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}
