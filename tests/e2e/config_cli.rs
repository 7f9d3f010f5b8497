//! `frontline config check` names each problem with its key.

use crate::{frontline, stdout};

#[test]
fn config_check_accepts_a_good_file_and_names_each_problem_of_a_bad_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "default_lang = \"ru\"\n[console]\nagent_channel = \"#support\"\n",
    )
    .expect("write");
    let out = frontline(
        dir.path(),
        &["config", "check", good.to_str().expect("utf-8")],
    );
    assert!(out.status.success());
    assert!(
        stdout(&out).trim_end().ends_with("good.toml: ok"),
        "{}",
        stdout(&out)
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "database_url = \"mysql://x\"\ndefault_lang = \"fr\"\n[telegram]\ntoken = \"no-colon-secret-value\"\n",
    )
    .expect("write");
    let out = frontline(
        dir.path(),
        &["config", "check", bad.to_str().expect("utf-8")],
    );
    assert!(!out.status.success());
    let text = stdout(&out);
    for key in ["database_url:", "default_lang:", "telegram.token:"] {
        assert!(text.contains(key), "{key} missing in {text}");
    }
    assert!(
        !text.contains("no-colon-secret-value"),
        "a secret was printed: {text}"
    );
}

#[test]
fn the_readme_example_configuration_is_valid() {
    let readme = include_str!("../../README.md");
    let start = readme.find("```toml").expect("a toml example") + "```toml".len();
    let len = readme[start..].find("```").expect("closed");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("frontline.toml");
    std::fs::write(&file, &readme[start..start + len]).expect("write");
    let out = crate::frontline(
        dir.path(),
        &["config", "check", file.to_str().expect("utf-8")],
    );
    assert!(out.status.success(), "{}", crate::stdout(&out));
    assert!(
        crate::stdout(&out).ends_with(": ok\n"),
        "{}",
        crate::stdout(&out)
    );
}
