//! Search: from what a user typed to ranked hits with the evidence for a decision.
//!
//! Two stages. tantivy finds candidates with a weighted BM25 over all fields (fast, top-k).
//! Then the candidates are scored again with BM25F — term frequencies of all fields combined
//! before saturation, so a word said in the title and again in the body is not counted as two
//! independent pieces of evidence — plus a bonus for query words that stand next to each other
//! in the article. The second stage also measures how much of the query an article covers,
//! which is what tells a real question from chit-chat that happens to share a word.

use std::collections::HashMap;

use tantivy::collector::TopDocs;
use tantivy::postings::Postings;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, DocSet, Searcher, TERMINATED, Term};

use crate::article::{Lang, Slug};
use crate::decision::{self, Decision, Features};
use crate::error::KbError;
use crate::index::{KnowledgeBase, TextField};
use crate::text;

/// Characters of a query that are analyzed; the rest of a pasted log adds nothing but time.
const MAX_QUERY_CHARS: usize = 4_000;
/// Distinct query terms used; past this a query is a document, not a question.
const MAX_QUERY_TERMS: usize = 48;
/// Candidates the first stage hands to the second.
const CANDIDATES: usize = 30;

/// Per-field weights and length normalisation (BM25F). Title and the questions users ask for
/// an article are the strongest evidence; the lead says what the page is for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldWeight {
    pub field: TextField,
    pub weight: f32,
    pub b: f32,
}

pub(crate) const FIELD_WEIGHTS: [FieldWeight; 5] = [
    FieldWeight { field: TextField::Title, weight: 3.0, b: 0.5 },
    FieldWeight { field: TextField::Questions, weight: 3.0, b: 0.5 },
    FieldWeight { field: TextField::Lead, weight: 1.5, b: 0.5 },
    FieldWeight { field: TextField::Body, weight: 1.0, b: 0.75 },
    FieldWeight { field: TextField::Meta, weight: 2.0, b: 0.3 },
];

/// BM25 saturation: how fast repeated words stop adding evidence.
const K1: f32 = 1.2;
/// An article only in the other language is worth this share of its score: found when
/// nothing in the user's language matches, never ahead of a comparable native article.
pub(crate) const OTHER_LANG_FACTOR: f32 = 0.6;

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

struct QueryTerm {
    text: String,
    idf: f32,
}

pub(crate) struct Candidate {
    addr: DocAddress,
    lang: Lang,
    slug: String,
    /// Weighted, length-normalised frequency of each query term over all fields.
    tfw: Vec<f32>,
    /// Positions of each query term in the title and body, for adjacency.
    positions: Vec<Vec<u32>>,
    score: f32,
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
        let terms = self.query_terms(&searcher, text)?;
        if terms.is_empty() {
            return Ok(SearchOutcome {
                decision: Decision::NoMatch {
                    reason: decision::NoMatchReason::NoWords,
                },
                hits: Vec::new(),
                lang: qlang,
                features: None,
            });
        }
        let mut candidates = self.candidates(&searcher, &terms)?;
        self.score(&searcher, &terms, qlang, &mut candidates)?;
        let features = candidates
            .first()
            .map(|best| Features::new(&terms.iter().map(|t| t.idf).collect::<Vec<_>>(), best, candidates.get(1)));
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
        let articles = candidates
            .iter()
            .take(decision::MAX_SUGGESTIONS)
            .map(|c| self.article_at(&searcher, c.addr))
            .collect::<Result<Vec<_>, _>>()?;
        let decision = decision::decide(features.as_ref(), articles, &|body: &str| {
            crate::snippet::snippet(body, &terms.iter().map(|t| t.text.as_str()).collect::<Vec<_>>())
        });
        Ok(SearchOutcome {
            decision,
            hits,
            lang: qlang,
            features,
        })
    }

    /// The query's distinct terms with their IDF, at most [`MAX_QUERY_TERMS`].
    fn query_terms(&self, searcher: &Searcher, text: &str) -> Result<Vec<QueryTerm>, KbError> {
        let cut = text
            .char_indices()
            .nth(MAX_QUERY_CHARS)
            .map_or(text, |(i, _)| &text[..i]);
        let mut analyzer = text::analyzer();
        let n = searcher.num_docs().max(1) as f32;
        let mut out: Vec<QueryTerm> = Vec::new();
        for t in text::terms(&mut analyzer, cut) {
            if out.len() == MAX_QUERY_TERMS {
                break;
            }
            if out.iter().any(|q| q.text == t) {
                continue;
            }
            let mut df = 0u64;
            for fw in FIELD_WEIGHTS {
                let term = Term::from_field_text(self.fields.text(fw.field), &t);
                df = df.max(searcher.doc_freq(&term)?);
            }
            let df = (df as f32).min(n);
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            out.push(QueryTerm { text: t, idf });
        }
        Ok(out)
    }

    /// First stage: tantivy's BM25 over every field, weighted, top [`CANDIDATES`].
    fn candidates(&self, searcher: &Searcher, terms: &[QueryTerm]) -> Result<Vec<Candidate>, KbError> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in terms {
            for fw in FIELD_WEIGHTS {
                let term = Term::from_field_text(self.fields.text(fw.field), &t.text);
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                        fw.weight,
                    )),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);
        let top = searcher.search(&query, &TopDocs::with_limit(CANDIDATES).order_by_score())?;
        Ok(top
            .into_iter()
            .map(|(_, addr)| Candidate {
                addr,
                lang: Lang::En,
                slug: String::new(),
                tfw: vec![0.0; terms.len()],
                positions: vec![Vec::new(); terms.len()],
                score: 0.0,
            })
            .collect())
    }

    /// Second stage: BM25F with adjacency, language preference, one hit per slug; sorts best
    /// first.
    fn score(
        &self,
        searcher: &Searcher,
        terms: &[QueryTerm],
        qlang: Lang,
        candidates: &mut Vec<Candidate>,
    ) -> Result<(), KbError> {
        let mut by_segment: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, c) in candidates.iter().enumerate() {
            by_segment.entry(c.addr.segment_ord).or_default().push(i);
        }
        for (segment_ord, mut idxs) in by_segment {
            let reader = searcher.segment_reader(segment_ord);
            idxs.sort_by_key(|&i| candidates[i].addr.doc_id);
            let lang_col = reader.fast_fields().u64("lang_id")?;
            let slug_col = reader.fast_fields().str("slug")?;
            for &i in &idxs {
                let doc = candidates[i].addr.doc_id;
                let c = &mut candidates[i];
                c.lang = lang_col.first(doc).and_then(Lang::from_id).unwrap_or(Lang::En);
                if let Some(col) = &slug_col
                    && let Some(ord) = col.term_ords(doc).next()
                {
                    col.ord_to_str(ord, &mut c.slug)
                        .map_err(tantivy::TantivyError::from)?;
                }
            }
            for fw in FIELD_WEIGHTS {
                let field = self.fields.text(fw.field);
                let inverted = reader.inverted_index(field)?;
                let norms = reader.get_fieldnorms_reader(field)?;
                let avg_len = (inverted.total_num_tokens() as f32 / reader.max_doc().max(1) as f32).max(1.0);
                let keep_positions = matches!(fw.field, TextField::Title | TextField::Body);
                let option = if keep_positions {
                    IndexRecordOption::WithFreqsAndPositions
                } else {
                    IndexRecordOption::WithFreqs
                };
                for (ti, t) in terms.iter().enumerate() {
                    let term = Term::from_field_text(field, &t.text);
                    let Some(mut postings) = inverted
                        .read_postings(&term, option)
                        .map_err(tantivy::TantivyError::from)?
                    else {
                        continue;
                    };
                    for &i in &idxs {
                        let doc: DocId = candidates[i].addr.doc_id;
                        if postings.doc() == TERMINATED {
                            break;
                        }
                        if postings.seek(doc) != doc {
                            continue;
                        }
                        let len = norms.fieldnorm(doc) as f32;
                        let tf = postings.term_freq() as f32;
                        candidates[i].tfw[ti] +=
                            fw.weight * tf / (1.0 - fw.b + fw.b * len / avg_len);
                        if keep_positions {
                            // Title and body positions share one space; the offset keeps a
                            // title word from looking adjacent to the body's first word.
                            let offset = if fw.field == TextField::Title { 0 } else { 1_000 };
                            postings.append_positions_with_offset(
                                offset,
                                &mut candidates[i].positions[ti],
                            );
                        }
                    }
                }
            }
        }
        for c in candidates.iter_mut() {
            let bm25f: f32 = terms
                .iter()
                .zip(&c.tfw)
                .map(|(t, &tfw)| t.idf * tfw * (K1 + 1.0) / (K1 + tfw))
                .sum();
            let lang_factor = if c.lang == qlang { 1.0 } else { OTHER_LANG_FACTOR };
            c.score = (bm25f + adjacency_bonus(terms, &c.positions)) * lang_factor;
        }
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
        // One hit per article: the best-scored language version stands for it.
        let mut seen = std::collections::HashSet::new();
        candidates.retain(|c| seen.insert(c.slug.clone()));
        Ok(())
    }
}

/// Bonus for consecutive query terms found next to each other (within two words), weighted by
/// the rarer of the two: "bounce keys" next to each other says more than both somewhere.
fn adjacency_bonus(terms: &[QueryTerm], positions: &[Vec<u32>]) -> f32 {
    const WINDOW: u32 = 2;
    const WEIGHT: f32 = 0.5;
    let mut bonus = 0.0;
    for i in 1..terms.len() {
        let (a, b) = (&positions[i - 1], &positions[i]);
        if a.is_empty() || b.is_empty() {
            continue;
        }
        let near = a
            .iter()
            .any(|&pa| b.iter().any(|&pb| pb != pa && pb.abs_diff(pa) <= WINDOW));
        if near {
            bonus += WEIGHT * terms[i - 1].idf.min(terms[i].idf);
        }
    }
    bonus
}

impl Candidate {
    pub(crate) fn tfw(&self) -> &[f32] {
        &self.tfw
    }
    pub(crate) fn score(&self) -> f32 {
        self.score
    }
}

pub(crate) const BM25_K1: f32 = K1;
