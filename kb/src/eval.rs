//! Evaluation: run labelled questions through exactly the bot's search and decision, and
//! measure ranking quality, decision quality and speed.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::decision::{Decision, Features};
use crate::error::KbError;
use crate::index::KnowledgeBase;

/// One labelled question: `expected` is the right article's slug, or `None` when no article
/// should answer it (out of scope).
#[derive(Debug, Clone, Deserialize)]
pub struct EvalQuery {
    #[serde(default)]
    pub id: String,
    pub query: String,
    pub expected: Option<String>,
}

/// Reads a JSONL file of `{"id", "query", "expected"}` rows.
///
/// # Errors
/// [`KbError::Io`] when the file cannot be read; a bad row is an error naming its line.
pub fn load_queries(path: &Path) -> Result<Vec<EvalQuery>, KbError> {
    let text = std::fs::read_to_string(path).map_err(|source| KbError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| {
                KbError::Article(crate::ArticleError::BadJson(format!(
                    "{}:{}: {e}",
                    path.display(),
                    i + 1
                )))
            })
        })
        .collect()
}

/// The figures of one evaluation. Shares are fractions in [0, 1].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EvalReport {
    pub in_scope: usize,
    pub out_of_scope: usize,
    /// In-scope questions whose right article ranks first.
    pub top1: f64,
    /// … ranks in the first three.
    pub recall3: f64,
    /// Mean reciprocal rank of the right article (0 when not found).
    pub mrr: f64,
    /// In-scope questions answered with the right article.
    pub answered_right: f64,
    /// In-scope questions answered with a wrong article.
    pub answered_wrong: f64,
    /// In-scope questions declined (suggestions or no match).
    pub declined: f64,
    /// In-scope questions offered suggestions instead of an answer… (printed, not in the
    /// JSON line, whose keys are fixed)
    #[serde(skip)]
    pub suggested: f64,
    /// …with the right article among those offered.
    #[serde(skip)]
    pub suggested_right: f64,
    /// Out-of-scope questions offered suggestions (a tap on "None of these" away from a ticket).
    #[serde(skip)]
    pub oos_suggested: f64,
    /// Out-of-scope questions answered (should be near zero).
    pub oos_answered: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub build_ms: u64,
}

/// The `p` quantile (0–1) of sorted values by the nearest-rank method; 0 for none.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// What happened to one question, for calibration dumps.
#[derive(Debug, Clone, Serialize)]
pub struct EvalRow {
    pub id: String,
    pub expected: Option<String>,
    /// Rank of the right article, from 1.
    pub rank: Option<usize>,
    pub top: Option<String>,
    pub decision: &'static str,
    pub features: Option<Features>,
    pub micros: u64,
}

/// Runs every query through [`KnowledgeBase::search`] and sums up.
///
/// # Errors
/// [`KbError::Index`] when the index fails.
pub fn evaluate(
    kb: &KnowledgeBase,
    queries: &[EvalQuery],
    build_ms: u64,
) -> Result<(EvalReport, Vec<EvalRow>), KbError> {
    // One untimed pass first: latency is reported for a warm process, as the bot runs.
    for q in queries {
        kb.search(&q.query, None)?;
    }
    let mut rows = Vec::with_capacity(queries.len());
    for q in queries {
        let started = Instant::now();
        let outcome = kb.search(&q.query, None)?;
        let micros = started.elapsed().as_micros() as u64;
        let rank = q.expected.as_ref().and_then(|want| {
            outcome
                .hits
                .iter()
                .position(|h| h.slug.as_str() == want)
                .map(|p| p + 1)
        });
        let answered = match &outcome.decision {
            Decision::Answer { article, .. } => Some(article.slug.to_string()),
            _ => None,
        };
        rows.push(EvalRow {
            id: q.id.clone(),
            expected: q.expected.clone(),
            rank,
            top: answered.or_else(|| outcome.hits.first().map(|h| h.slug.to_string())),
            decision: outcome.decision.kind(),
            features: outcome.features,
            micros,
        });
    }
    Ok((summarize(&rows, build_ms), rows))
}

/// The report for a set of rows; pure, so it is tested on rows made by hand.
pub fn summarize(rows: &[EvalRow], build_ms: u64) -> EvalReport {
    let in_scope: Vec<&EvalRow> = rows.iter().filter(|r| r.expected.is_some()).collect();
    let oos: Vec<&EvalRow> = rows.iter().filter(|r| r.expected.is_none()).collect();
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
    let n = in_scope.len();
    let count = |f: &dyn Fn(&EvalRow) -> bool| in_scope.iter().filter(|r| f(r)).count();
    let answered_right = count(&|r| r.decision == "answer" && r.top == r.expected);
    let answered_wrong = count(&|r| r.decision == "answer" && r.top != r.expected);
    let mut micros: Vec<u64> = rows.iter().map(|r| r.micros).collect();
    micros.sort_unstable();
    let pct = |p| percentile(&micros, p);
    EvalReport {
        in_scope: n,
        out_of_scope: oos.len(),
        top1: share(count(&|r| r.rank == Some(1)), n),
        recall3: share(count(&|r| r.rank.is_some_and(|k| k <= 3)), n),
        mrr: if n == 0 {
            0.0
        } else {
            in_scope
                .iter()
                .map(|r| r.rank.map_or(0.0, |k| 1.0 / k as f64))
                .sum::<f64>()
                / n as f64
        },
        answered_right: share(answered_right, n),
        answered_wrong: share(answered_wrong, n),
        declined: share(n - answered_right - answered_wrong, n),
        suggested: share(count(&|r| r.decision == "suggest"), n),
        suggested_right: share(
            count(&|r| {
                r.decision == "suggest"
                    && r.rank
                        .is_some_and(|k| k <= crate::decision::MAX_SUGGESTIONS)
            }),
            n,
        ),
        oos_answered: share(
            oos.iter().filter(|r| r.decision == "answer").count(),
            oos.len(),
        ),
        oos_suggested: share(
            oos.iter().filter(|r| r.decision == "suggest").count(),
            oos.len(),
        ),
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        build_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Article, Lang, Slug};

    fn row(
        expected: Option<&str>,
        rank: Option<usize>,
        top: &str,
        decision: &'static str,
    ) -> EvalRow {
        EvalRow {
            id: String::new(),
            expected: expected.map(String::from),
            rank,
            top: Some(top.to_string()),
            decision,
            features: None,
            micros: 0,
        }
    }

    #[test]
    fn figures_from_rows_made_by_hand() {
        let mut rows = vec![
            row(Some("a"), Some(1), "a", "answer"),  // right
            row(Some("b"), Some(2), "x", "answer"),  // wrong, rank 2
            row(Some("c"), Some(3), "x", "suggest"), // declined, rank 3
            row(Some("d"), None, "x", "no_match"),   // declined, not found
            row(None, None, "x", "answer"),          // out of scope, answered
            row(None, None, "x", "no_match"),        // out of scope, declined
        ];
        for (i, r) in rows.iter_mut().enumerate() {
            r.micros = (i as u64 + 1) * 10; // 10..60
        }
        let r = summarize(&rows, 7);
        assert_eq!((r.in_scope, r.out_of_scope), (4, 2));
        assert_eq!(r.top1, 0.25);
        assert_eq!(r.recall3, 0.75);
        // (1 + 1/2 + 1/3 + 0) / 4
        assert!((r.mrr - (1.0 + 0.5 + 1.0 / 3.0) / 4.0).abs() < 1e-12);
        assert_eq!(
            (r.answered_right, r.answered_wrong, r.declined),
            (0.25, 0.25, 0.5)
        );
        assert_eq!(r.oos_answered, 0.5);
        // Row c: offered, with the right article third of the three.
        assert_eq!(
            (r.suggested, r.suggested_right, r.oos_suggested),
            (0.25, 0.25, 0.0)
        );
        assert_eq!((r.p50_us, r.p99_us, r.build_ms), (30, 60, 7));
    }

    #[test]
    fn a_tiny_knowledge_base_is_evaluated_end_to_end() {
        let kb = KnowledgeBase::in_ram().expect("index");
        let a = |slug: &str, title: &str, body: &str| {
            Article::new(
                Slug::parse(slug).expect("slug"),
                Lang::En,
                title.into(),
                body.into(),
            )
            .expect("article")
        };
        kb.rebuild(
            &[
                a(
                    "vpn",
                    "Connect to the VPN",
                    "Install the VPN client and press connect.",
                ),
                a(
                    "printer",
                    "Add a printer",
                    "Open settings, printers, and press add.",
                ),
                a(
                    "mail",
                    "Set up mail in Outlook",
                    "Open Outlook and enter your address.",
                ),
            ],
            false,
        )
        .expect("rebuild");
        let q = |query: &str, expected: Option<&str>| EvalQuery {
            id: query.into(),
            query: query.into(),
            expected: expected.map(String::from),
        };
        let queries = [
            q("connect to the vpn client", Some("vpn")),
            q("add a printer in settings", Some("printer")),
            // Labelled with an article that shares no word with it: ranked nowhere.
            q("outlook address", Some("vpn")),
            q("zebra giraffe", None),
        ];
        let (report, rows) = evaluate(&kb, &queries, 3).expect("eval");
        assert_eq!((report.in_scope, report.out_of_scope), (3, 1));
        assert_eq!(rows[0].rank, Some(1));
        assert_eq!(rows[1].rank, Some(1));
        assert_eq!(rows[2].rank, None);
        assert!((report.top1 - 2.0 / 3.0).abs() < 1e-12);
        assert!((report.recall3 - 2.0 / 3.0).abs() < 1e-12);
        assert!((report.mrr - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(report.oos_answered, 0.0, "no word of it is in the index");
        assert_eq!(report.build_ms, 3);
        let shares = report.answered_right + report.answered_wrong + report.declined;
        assert!((shares - 1.0).abs() < 1e-12);
    }
}
