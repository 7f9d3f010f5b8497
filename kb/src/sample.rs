//! The bundled sample knowledge base: articles of an IT service desk in Russian and English,
//! built into the binary so a fresh install answers questions on its first start.

use include_dir::{Dir, include_dir};

use crate::article::{Lang, LoadReport};

static SAMPLE: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/sample");

fn collect<'a>(dir: &'a Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    out.extend(
        dir.files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "md")),
    );
    for d in dir.dirs() {
        collect(d, out);
    }
}

/// The names of the sample's categories (key, English, Russian), for pages that show them.
pub const CATEGORY_NAMES: &[(&str, &str, &str)] = &[
    ("access", "Access", "Доступ"),
    (
        "accounts",
        "Accounts and passwords",
        "Учётные записи и пароли",
    ),
    ("collaboration", "Collaboration", "Совместная работа"),
    ("email", "Email", "Почта"),
    ("files", "Files", "Файлы"),
    ("hardware", "Hardware", "Оборудование"),
    ("macos", "macOS", "macOS"),
    ("network", "Network and VPN", "Сеть и VPN"),
    ("onboarding", "Getting started", "Первые шаги"),
    ("printing", "Printing", "Печать"),
    ("security", "Security", "Безопасность"),
    ("service-desk", "The service desk", "Служба поддержки"),
    ("software", "Software", "Программы"),
    ("updates", "Updates", "Обновления"),
];

/// Every sample article. The files are checked by a test, so the report has no problems.
pub fn articles() -> LoadReport {
    let mut report = LoadReport::default();
    let mut files = Vec::new();
    collect(&SAMPLE, &mut files);
    files.sort_by_key(|f| f.path());
    for file in files {
        let lang = file
            .path()
            .parent()
            .and_then(|p| p.to_str())
            .and_then(|p| Lang::parse(p).ok());
        let text = file.contents_utf8().unwrap_or_default();
        match crate::Article::parse_markdown(text, lang) {
            Ok(a) => report.articles.push(a),
            Err(error) => report.problems.push(crate::LoadProblem {
                path: file.path().display().to_string(),
                error,
            }),
        }
    }
    report
}
