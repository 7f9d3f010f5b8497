//! The help centre's fixed texts (the knowledge base on the web), from the same catalogue as
//! the bot's, so the site and the chat say the same thing the same way.

use crate::domain::Lang;

/// A fixed text of the help centre's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Web<'a> {
    /// The site's name when `[web] title` is not set.
    DefaultTitle,
    /// The home page's lead, under the title.
    HomeLead,
    /// The home page's meta description.
    HomeDescription {
        title: &'a str,
    },
    SearchLabel,
    SearchPlaceholder,
    SearchButton,
    /// The search page's heading.
    SearchHeading {
        query: &'a str,
    },
    /// The search page with nothing typed.
    SearchEmpty,
    /// The decision was Answer: the one article that answers.
    AnswerHeading,
    /// Other articles that matched, or the offered ones (Suggest).
    OtherHits,
    MaybeHits,
    /// The decision was NoMatch.
    NoMatch,
    NoMatchHint,
    Categories,
    /// A category's page heading.
    CategoryHeading {
        name: &'a str,
    },
    /// The articles of a category, counted.
    ArticleCount(usize),
    /// Articles with no category.
    Uncategorised,
    Updated,
    Tags,
    Category,
    /// The link to the article in the other language.
    OtherLanguage,
    ReadArticle,
    /// "Didn't help? Ask us" and its links.
    AskUs,
    AskUsLead,
    AskTelegram,
    AskDiscord,
    /// No bot link is configured: the reader is told where to write instead.
    AskNoLink,
    NotFoundTitle,
    NotFoundText,
    Home,
    /// The skip link for keyboard and screen-reader users.
    SkipToContent,
    LanguageName,
    /// The query was cut to the length searched.
    QueryCut {
        chars: usize,
    },
    /// Known issues' category name.
    KnownIssues,
}

impl Web<'_> {
    /// The text in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let ru = lang == Lang::Ru;
        let pick = |r: &str, e: &str| if ru { r.to_string() } else { e.to_string() };
        match *self {
            Web::DefaultTitle => pick("Центр поддержки", "Help centre"),
            Web::HomeLead => pick(
                "Ответы на частые вопросы. Найдите свой — или спросите нас в чате.",
                "Answers to common questions. Find yours, or ask us in the chat.",
            ),
            Web::HomeDescription { title } => {
                if ru {
                    format!("{title}: статьи базы знаний и поиск по ним на русском и английском.")
                } else {
                    format!("{title}: knowledge-base articles and search, in English and Russian.")
                }
            }
            Web::SearchLabel => pick("Поиск по базе знаний", "Search the knowledge base"),
            Web::SearchPlaceholder => pick(
                "Например: не подключается VPN",
                "For example: VPN does not connect",
            ),
            Web::SearchButton => pick("Найти", "Search"),
            Web::SearchHeading { query } => {
                if ru {
                    format!("Поиск: «{query}»")
                } else {
                    format!("Search: “{query}”")
                }
            }
            Web::SearchEmpty => pick(
                "Опишите вопрос своими словами, и мы поищем ответ.",
                "Describe your question in your own words and we will look for an answer.",
            ),
            Web::AnswerHeading => pick("Ответ", "Answer"),
            Web::OtherHits => pick("Ещё по теме", "Also related"),
            Web::MaybeHits => pick("Возможно, подойдёт", "These may help"),
            Web::NoMatch => pick(
                "Подходящей статьи не нашлось.",
                "No article matches your question.",
            ),
            Web::NoMatchHint => pick(
                "Попробуйте другие слова или спросите нас: бот оформит заявку и скажет её номер.",
                "Try other words, or ask us: the bot registers a ticket and tells you its number.",
            ),
            Web::Categories => pick("Разделы", "Categories"),
            Web::CategoryHeading { name } => name.to_string(),
            Web::ArticleCount(n) => {
                if ru {
                    let word = match (n % 10, n % 100) {
                        (1, r) if r != 11 => "статья",
                        (2..=4, r) if !(12..=14).contains(&r) => "статьи",
                        _ => "статей",
                    };
                    format!("{n} {word}")
                } else if n == 1 {
                    "1 article".into()
                } else {
                    format!("{n} articles")
                }
            }
            Web::Uncategorised => pick("Общее", "General"),
            Web::Updated => pick("Обновлено", "Updated"),
            Web::Tags => pick("Метки", "Tags"),
            Web::Category => pick("Раздел", "Category"),
            Web::OtherLanguage => pick("Read in English", "Читать на русском"),
            Web::ReadArticle => pick("Читать статью", "Read the article"),
            Web::AskUs => pick("Не помогло? Спросите нас", "Didn't help? Ask us"),
            Web::AskUsLead => pick(
                "Напишите боту поддержки: он уже будет знать, какую статью вы читали.",
                "Write to the support bot: it will already know which article you read.",
            ),
            Web::AskTelegram => pick("Написать в Telegram", "Ask in Telegram"),
            Web::AskDiscord => pick("Написать в Discord", "Ask in Discord"),
            Web::AskNoLink => pick(
                "Напишите нам в чат поддержки.",
                "Write to us in the support chat.",
            ),
            Web::NotFoundTitle => pick("Страница не найдена", "Page not found"),
            Web::NotFoundText => pick(
                "Такой страницы нет: статью могли переименовать или удалить. Поищите её или начните с главной.",
                "There is no such page: the article may have been renamed or removed. Search for it, or start from the home page.",
            ),
            Web::Home => pick("Главная", "Home"),
            Web::SkipToContent => pick("К содержанию", "Skip to content"),
            Web::LanguageName => pick("Русский", "English"),
            Web::QueryCut { chars } => {
                if ru {
                    format!("Искали по первым {chars} символам вопроса.")
                } else {
                    format!("Searched for the first {chars} characters of the question.")
                }
            }
            Web::KnownIssues => pick("Известные проблемы", "Known issues"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_counts_agree_with_their_number() {
        assert_eq!(Web::ArticleCount(1).text(Lang::Ru), "1 статья");
        assert_eq!(Web::ArticleCount(3).text(Lang::Ru), "3 статьи");
        assert_eq!(Web::ArticleCount(11).text(Lang::Ru), "11 статей");
        assert_eq!(Web::ArticleCount(21).text(Lang::Ru), "21 статья");
        assert_eq!(Web::ArticleCount(1).text(Lang::En), "1 article");
        assert_eq!(Web::ArticleCount(5).text(Lang::En), "5 articles");
    }

    #[test]
    fn the_other_language_link_is_written_in_that_language() {
        // A reader who needs the other language reads the link in it.
        assert!(Web::OtherLanguage.text(Lang::En).contains("русском"));
        assert!(Web::OtherLanguage.text(Lang::Ru).contains("English"));
    }
}
