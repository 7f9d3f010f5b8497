//! Articles: what they are, and reading them from Markdown files and JSONL.
//!
//! An article file is Markdown with YAML front matter between `---` lines. The Markdown is kept
//! as written, to show; the index sees its plain text ([`crate::text::markdown_to_plain`]).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ArticleError, KbError};

/// The two languages of the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ru,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ru, Lang::En];

    /// Parses `ru` or `en` (case-insensitive, surrounding space ignored).
    ///
    /// # Errors
    /// [`ArticleError::UnknownLang`] for anything else.
    pub fn parse(s: &str) -> Result<Self, ArticleError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ru" => Ok(Lang::Ru),
            "en" => Ok(Lang::En),
            _ => Err(ArticleError::UnknownLang(s.to_string())),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// A stable number for the index's fast field.
    pub fn id(self) -> u64 {
        match self {
            Lang::Ru => 0,
            Lang::En => 1,
        }
    }

    pub fn from_id(id: u64) -> Option<Lang> {
        match id {
            0 => Some(Lang::Ru),
            1 => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language: where a cross-language fallback looks.
    pub fn other(self) -> Lang {
        match self {
            Lang::Ru => Lang::En,
            Lang::En => Lang::Ru,
        }
    }

    /// Guesses the language of a text from its letters: Cyrillic means Russian.
    ///
    /// Returns `None` when the text has no letters of either script (emoji, digits), so the
    /// caller can fall back to the user's chosen language.
    pub fn detect(text: &str) -> Option<Lang> {
        let (mut cyr, mut lat) = (0usize, 0usize);
        for c in text.chars() {
            if crate::text::is_cyrillic(c) {
                cyr += 1;
            } else if c.is_ascii_alphabetic() {
                lat += 1;
            }
        }
        match (cyr, lat) {
            (0, 0) => None,
            // Russian text often carries Latin product names (VPN, Outlook); a third of
            // Cyrillic letters is already a Russian sentence.
            (c, l) if c * 2 >= l => Some(Lang::Ru),
            _ => Some(Lang::En),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An article's identifier: unique within a language; translations of one article share it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    /// Accepts 1–100 characters of letters, digits, `-`, `_` and `.`.
    ///
    /// # Errors
    /// [`ArticleError::MissingSlug`] when empty, [`ArticleError::BadSlug`] otherwise.
    pub fn parse(s: &str) -> Result<Self, ArticleError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ArticleError::MissingSlug);
        }
        let ok = s.chars().count() <= 100
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            return Err(ArticleError::BadSlug(s.to_string()));
        }
        Ok(Slug(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = ArticleError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Slug::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One knowledge-base article in one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub slug: Slug,
    pub lang: Lang,
    pub title: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub category: Option<String>,
    /// Ways users ask for this article; indexed with the weight of the title.
    #[serde(default)]
    pub questions: Vec<String>,
    /// Questions users asked that this article answered to their satisfaction (they pressed
    /// Helped), oldest first; searched like `questions`, with less weight.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub learned: Vec<Learned>,
    /// The body as written (Markdown), shown to users.
    pub body: String,
}

/// A learned phrasing: a user's question that the article answered, who asked it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Learned {
    pub text: String,
    /// Who asked, as the desk names a person (`user:42`), so forgetting a person can find
    /// their phrasings.
    pub by: String,
    /// When it was learned, in milliseconds since the Unix epoch.
    pub at_ms: i64,
}

/// Longest question kept as a learned phrasing, in characters; a longer message is a story,
/// and its many words would make the article match everything.
pub const MAX_LEARNED_CHARS: usize = 300;

/// What [`Article::learn`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LearnOutcome {
    /// Stored; the oldest phrasing was dropped to make room, when one is given.
    Learned { dropped: Option<Learned> },
    /// The article already has this phrasing (among its questions or learned ones), or the
    /// text has no searchable words, or it is too long.
    Skipped,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    slug: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    questions: Vec<String>,
    #[serde(default)]
    learned: Vec<Learned>,
}

impl Article {
    /// Parses an article file: YAML front matter between `---` lines, then Markdown.
    ///
    /// `default_lang` is used when the front matter names no `lang`.
    ///
    /// # Errors
    /// An [`ArticleError`] naming what is wrong with the file.
    pub fn parse_markdown(text: &str, default_lang: Option<Lang>) -> Result<Self, ArticleError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.split_inclusive('\n');
        match lines.next() {
            Some(first) if first.trim_end() == "---" => {}
            _ => return Err(ArticleError::MissingFrontMatter),
        }
        let mut yaml = String::new();
        let mut closed = false;
        for line in lines.by_ref() {
            if line.trim_end() == "---" {
                closed = true;
                break;
            }
            yaml.push_str(line);
        }
        if !closed {
            return Err(ArticleError::UnclosedFrontMatter);
        }
        let body: String = lines.collect();
        let fm: FrontMatter = if yaml.trim().is_empty() {
            return Err(ArticleError::MissingSlug);
        } else {
            serde_yaml_ng::from_str(&yaml)
                .map_err(|e| ArticleError::BadFrontMatter(e.to_string()))?
        };
        let slug = Slug::parse(fm.slug.as_deref().unwrap_or(""))?;
        let lang = match (fm.lang.as_deref(), default_lang) {
            (Some(l), _) => Lang::parse(l)?,
            (None, Some(l)) => l,
            (None, None) => return Err(ArticleError::UnknownLang(String::new())),
        };
        Article::new(
            slug,
            lang,
            fm.title.unwrap_or_default(),
            body.trim().to_string(),
        )
        .map(|a| Article {
            tags: clean_list(fm.tags),
            category: fm
                .category
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
            questions: clean_list(fm.questions),
            learned: fm
                .learned
                .into_iter()
                .filter(|l| !l.text.trim().is_empty())
                .collect(),
            ..a
        })
    }

    /// Adds `text` as a learned phrasing, keeping at most `cap` (the oldest goes first).
    /// A phrasing whose searchable words are those of one the article has is not added twice.
    pub fn learn(&mut self, text: &str, by: &str, at_ms: i64, cap: usize) -> LearnOutcome {
        let text = text.trim();
        let words = crate::text::analyze(text);
        if cap == 0 || words.is_empty() || text.chars().count() > MAX_LEARNED_CHARS {
            return LearnOutcome::Skipped;
        }
        let same = |other: &str| {
            let mut a = crate::text::analyze(other);
            let mut b = words.clone();
            a.sort();
            a.dedup();
            b.sort();
            b.dedup();
            a == b
        };
        if self.questions.iter().any(|q| same(q)) || self.learned.iter().any(|l| same(&l.text)) {
            return LearnOutcome::Skipped;
        }
        self.learned.push(Learned {
            text: text.to_string(),
            by: by.to_string(),
            at_ms,
        });
        let dropped = (self.learned.len() > cap).then(|| self.learned.remove(0));
        LearnOutcome::Learned { dropped }
    }

    /// Removes the `n`-th learned phrasing (from 1, as `/kb learned` numbers them).
    pub fn unlearn(&mut self, n: usize) -> Option<Learned> {
        (1..=self.learned.len())
            .contains(&n)
            .then(|| self.learned.remove(n - 1))
    }

    /// An article with a title and a body and nothing else.
    ///
    /// # Errors
    /// [`ArticleError::Empty`] when both title and body are blank.
    pub fn new(slug: Slug, lang: Lang, title: String, body: String) -> Result<Self, ArticleError> {
        if title.trim().is_empty() && body.trim().is_empty() {
            return Err(ArticleError::Empty);
        }
        Ok(Article {
            slug,
            lang,
            title: title.trim().to_string(),
            tags: Vec::new(),
            category: None,
            questions: Vec::new(),
            learned: Vec::new(),
            body,
        })
    }

    /// Renders the article back to its file form; [`Article::parse_markdown`] reads it back.
    pub fn to_markdown(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            slug: &'a str,
            title: &'a str,
            lang: &'a str,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            tags: &'a [String],
            #[serde(skip_serializing_if = "Option::is_none")]
            category: Option<&'a str>,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            questions: &'a [String],
            #[serde(skip_serializing_if = "<[Learned]>::is_empty")]
            learned: &'a [Learned],
        }
        let yaml = serde_yaml_ng::to_string(&Out {
            slug: self.slug.as_str(),
            title: &self.title,
            lang: self.lang.code(),
            tags: &self.tags,
            category: self.category.as_deref(),
            questions: &self.questions,
            learned: &self.learned,
        })
        .unwrap_or_default();
        format!("---\n{yaml}---\n\n{}\n", self.body.trim_end())
    }

    /// The title, or the slug when the article has none.
    pub fn display_title(&self) -> &str {
        if self.title.is_empty() {
            self.slug.as_str()
        } else {
            &self.title
        }
    }
}

fn clean_list(items: Vec<String>) -> Vec<String> {
    items
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A file that could not be read as an article, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    /// The file, with `:LINE` for a JSONL row.
    pub path: String,
    pub error: ArticleError,
}

impl fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.error)
    }
}

/// What reading a folder or file gave: the good articles and every problem.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub articles: Vec<Article>,
    pub problems: Vec<LoadProblem>,
}

impl LoadReport {
    /// Adds an article unless its (slug, lang) was already seen, which is reported instead.
    fn push(&mut self, seen: &mut HashMap<(Slug, Lang), String>, origin: String, article: Article) {
        let key = (article.slug.clone(), article.lang);
        if let Some(first) = seen.get(&key) {
            self.problems.push(LoadProblem {
                path: origin,
                error: ArticleError::DuplicateSlug {
                    slug: article.slug.to_string(),
                    lang: article.lang.to_string(),
                    first: first.clone(),
                },
            });
            return;
        }
        seen.insert(key, origin);
        self.articles.push(article);
    }
}

/// Reads articles from a folder of `.md` files (recursively), a `.md` file, or a `.jsonl` file.
///
/// Every bad file is reported with its path and reason; the good ones load.
///
/// # Errors
/// [`KbError::Io`] only when `path` itself cannot be read.
pub fn load_path(path: &Path) -> Result<LoadReport, KbError> {
    let io = |source| KbError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let mut report = LoadReport::default();
    let mut seen = HashMap::new();
    if meta.is_dir() {
        let mut files = Vec::new();
        collect_files(path, &mut files).map_err(io)?;
        files.sort();
        for file in files {
            load_file_into(&file, &mut report, &mut seen);
        }
    } else {
        load_file_into(path, &mut report, &mut seen);
    }
    Ok(report)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("md" | "markdown" | "jsonl")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

fn load_file_into(path: &Path, report: &mut LoadReport, seen: &mut HashMap<(Slug, Lang), String>) {
    let shown = path.display().to_string();
    let text = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                report.problems.push(LoadProblem {
                    path: shown,
                    error: ArticleError::BadFrontMatter("the file is not UTF-8 text".into()),
                });
                return;
            }
        },
        Err(e) => {
            report.problems.push(LoadProblem {
                path: shown,
                error: ArticleError::BadFrontMatter(format!("cannot read: {e}")),
            });
            return;
        }
    };
    if path.extension().and_then(|e| e.to_str()) == Some("jsonl") {
        parse_jsonl_into(&text, &shown, report, seen);
        return;
    }
    match Article::parse_markdown(&text, lang_from_path(path)) {
        Ok(article) => report.push(seen, shown, article),
        Err(error) => report.problems.push(LoadProblem { path: shown, error }),
    }
}

/// A file under a folder named `ru` or `en` takes that language when its front matter has none.
fn lang_from_path(path: &Path) -> Option<Lang> {
    path.parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .and_then(|n| Lang::parse(n).ok())
}

#[derive(Deserialize)]
struct JsonArticle {
    slug: Option<String>,
    #[serde(default)]
    title: Option<String>,
    lang: Option<String>,
    #[serde(default)]
    body: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    questions: Vec<String>,
}

/// Parses the JSONL article format: `{"slug", "title", "lang", "body"}` a line.
pub fn parse_jsonl(text: &str, origin: &str) -> LoadReport {
    let mut report = LoadReport::default();
    parse_jsonl_into(text, origin, &mut report, &mut HashMap::new());
    report
}

fn parse_jsonl_into(
    text: &str,
    origin: &str,
    report: &mut LoadReport,
    seen: &mut HashMap<(Slug, Lang), String>,
) {
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{origin}:{}", i + 1);
        let parsed = serde_json::from_str::<JsonArticle>(line)
            .map_err(|e| ArticleError::BadJson(e.to_string()))
            .and_then(|j| {
                let slug = Slug::parse(j.slug.as_deref().unwrap_or(""))?;
                let lang = Lang::parse(j.lang.as_deref().unwrap_or(""))?;
                let a = Article::new(slug, lang, j.title.unwrap_or_default(), j.body)?;
                Ok(Article {
                    tags: clean_list(j.tags),
                    category: j.category.filter(|c| !c.trim().is_empty()),
                    questions: clean_list(j.questions),
                    ..a
                })
            });
        match parsed {
            Ok(article) => report.push(seen, at, article),
            Err(error) => report.problems.push(LoadProblem { path: at, error }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\nslug: vpn-connect\ntitle: Connect to the VPN\nlang: en\ntags: [vpn, network]\ncategory: network\nquestions:\n  - how do I get on the VPN\n---\n\n# Connect\n\nOpen the **client**.\n";

    #[test]
    fn learning_keeps_the_newest_few_and_no_repeats() {
        let mut a = Article::parse_markdown(GOOD, None).expect("valid article");
        let learned = |a: &mut Article, text: &str, at| a.learn(text, "user:1", at, 2);
        assert_eq!(
            learned(&mut a, "the vpn wont connect from home", 1),
            LearnOutcome::Learned { dropped: None }
        );
        // The same words in another order, or one of the article's own questions: skipped.
        assert_eq!(
            learned(&mut a, "From home, the VPN wont connect!", 2),
            LearnOutcome::Skipped
        );
        assert_eq!(
            learned(&mut a, "How do I get on the VPN?", 3),
            LearnOutcome::Skipped
        );
        assert_eq!(learned(&mut a, "  !!! ", 4), LearnOutcome::Skipped);
        let long = "vpn ".repeat(MAX_LEARNED_CHARS);
        assert_eq!(learned(&mut a, &long, 5), LearnOutcome::Skipped);
        learned(&mut a, "cannot reach the office network", 6);
        match learned(&mut a, "tunnel drops every hour", 7) {
            LearnOutcome::Learned { dropped: Some(d) } => {
                assert_eq!(d.text, "the vpn wont connect from home")
            }
            other => panic!("the oldest must go past the cap: {other:?}"),
        }
        let texts: Vec<&str> = a.learned.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            ["cannot reach the office network", "tunnel drops every hour"]
        );
        assert_eq!(a.unlearn(3), None);
        assert_eq!(a.unlearn(0), None);
        assert_eq!(a.unlearn(1).map(|l| l.at_ms), Some(6));
        assert_eq!(a.learned.len(), 1);
        assert_eq!(a.learn("anything", "user:1", 8, 0), LearnOutcome::Skipped);
    }

    #[test]
    fn learned_phrasings_survive_export_and_import() {
        let mut a = Article::parse_markdown(GOOD, None).expect("valid article");
        a.learn(
            "the vpn wont connect: “error 809”",
            "user:7",
            1_796_112_000_000,
            20,
        );
        let md = a.to_markdown();
        assert!(md.contains("learned:"), "{md}");
        let back = Article::parse_markdown(&md, None).expect("reads back");
        assert_eq!(back, a);
        let without = Article::parse_markdown(GOOD, None).expect("valid article");
        assert!(without.learned.is_empty());
        assert!(!without.to_markdown().contains("learned"));
    }

    #[test]
    fn front_matter_and_markdown_are_read() {
        let a = Article::parse_markdown(GOOD, None).expect("valid article");
        assert_eq!(a.slug.as_str(), "vpn-connect");
        assert_eq!(a.lang, Lang::En);
        assert_eq!(a.tags, vec!["vpn", "network"]);
        assert_eq!(a.category.as_deref(), Some("network"));
        assert_eq!(a.questions.len(), 1);
        assert!(a.body.starts_with("# Connect"));
    }

    #[test]
    fn markdown_round_trips() {
        let a = Article::parse_markdown(GOOD, None).expect("valid article");
        let b = Article::parse_markdown(&a.to_markdown(), None).expect("re-read");
        assert_eq!(a, b);
    }

    #[test]
    fn each_kind_of_bad_file_is_named() {
        let cases = [
            ("no front matter", ArticleError::MissingFrontMatter),
            ("---\nslug: x\n", ArticleError::UnclosedFrontMatter),
            (
                "---\ntitle: x\nlang: en\n---\nbody",
                ArticleError::MissingSlug,
            ),
            (
                "---\nslug: a b\nlang: en\n---\nbody",
                ArticleError::BadSlug("a b".into()),
            ),
            (
                "---\nslug: x\nlang: de\n---\nbody",
                ArticleError::UnknownLang("de".into()),
            ),
            ("---\nslug: x\nlang: en\n---\n", ArticleError::Empty),
        ];
        for (text, want) in cases {
            assert_eq!(Article::parse_markdown(text, None), Err(want), "{text:?}");
        }
        let bad_yaml = Article::parse_markdown("---\nslug: [unclosed\n---\nx", None);
        assert!(matches!(bad_yaml, Err(ArticleError::BadFrontMatter(_))));
    }

    #[test]
    fn folder_with_broken_files_loads_the_good_ones_and_names_the_bad() {
        let dir = tempfile::tempdir().expect("tempdir");
        let write =
            |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
        write("good.md", GOOD);
        write("dup.md", GOOD);
        write("noslug.md", "---\ntitle: t\nlang: en\n---\nbody");
        write("badlang.md", "---\nslug: other\nlang: fr\n---\nbody");
        write("yaml.md", "---\nslug: [\n---\nbody");
        write(
            "ru.md",
            "---\nslug: vpn-connect\nlang: ru\ntitle: VPN\n---\nПодключение",
        );
        write("notes.txt", "ignored: not an article");
        let report = load_path(dir.path()).expect("folder reads");
        let slugs: Vec<_> = report
            .articles
            .iter()
            .map(|a| format!("{}/{}", a.slug, a.lang))
            .collect();
        assert_eq!(report.articles.len(), 2, "{slugs:?}");
        assert_eq!(report.problems.len(), 4, "{:?}", report.problems);
        let named = |file: &str| report.problems.iter().any(|p| p.path.ends_with(file));
        for bad in ["noslug.md", "badlang.md", "yaml.md"] {
            assert!(named(bad), "{bad} not reported: {:?}", report.problems);
        }
        assert!(
            report
                .problems
                .iter()
                .any(|p| matches!(p.error, ArticleError::DuplicateSlug { .. }))
        );
    }

    #[test]
    fn jsonl_rows_load_and_bad_rows_are_reported_by_line() {
        let text = "{\"slug\":\"a\",\"title\":\"A\",\"lang\":\"en\",\"body\":\"x\"}\nnot json\n{\"slug\":\"b\",\"title\":\"\",\"lang\":\"xx\",\"body\":\"y\"}\n";
        let r = parse_jsonl(text, "f.jsonl");
        assert_eq!(r.articles.len(), 1);
        assert_eq!(r.problems.len(), 2);
        assert_eq!(r.problems[0].path, "f.jsonl:2");
        assert_eq!(r.problems[1].error, ArticleError::UnknownLang("xx".into()));
    }

    #[test]
    fn language_is_detected_from_letters() {
        assert_eq!(Lang::detect("Не работает VPN"), Some(Lang::Ru));
        assert_eq!(Lang::detect("VPN does not work"), Some(Lang::En));
        assert_eq!(Lang::detect("🙂 123"), None);
    }
}
