//! Every sentence a person reads lives in the text catalogue (`crates/domain/src/texts.rs`):
//! this test reads the production sources of the workspace and fails on a string literal with
//! Cyrillic in it anywhere else. Tests, test fakes and the names of 1C's own fields (which are
//! Cyrillic identifiers, not sentences) are exempt.

use std::path::{Path, PathBuf};

/// Words of Enote's (1C's) data model that the adapter must spell as 1C does.
const ONE_C_NAMES: &[&str] = &["Catalog_Карточки", "НомерДоговора", "Хозяин_Key"];

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// The contents of the ordinary string literals on one line (escapes kept as written).
fn literals(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    let mut current: Option<String> = None;
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        match (&mut current, c) {
            (None, '"') if prev != '\'' => current = Some(String::new()),
            (None, '/') if chars.peek() == Some(&'/') => break,
            (Some(s), '\\') => {
                s.push(c);
                if let Some(n) = chars.next() {
                    s.push(n);
                }
            }
            (Some(_), '"') => out.extend(current.take()),
            (Some(s), c) => s.push(c),
            (None, _) => {}
        }
        prev = c;
    }
    // A literal that goes on to the next line counts by its first line.
    out.extend(current);
    out
}

fn exempt(path: &Path) -> bool {
    let p = path.to_string_lossy().replace('\\', "/");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    p.contains("/tests/")
        || p.contains("/benches/")
        || p.contains("crates/fake-telegram/")
        || p.ends_with("adapters-enote/src/fake.rs")
        || p.ends_with("domain/src/texts.rs")
        || name.starts_with("tests")
        || name == "testkit.rs"
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Where a Cyrillic literal sits outside the catalogue: `file:line: literal`.
fn offenders(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(&root.join("crates"), &mut files);
    sources(&root.join("migrations"), &mut files);
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !exempt(f)) {
        let text = std::fs::read_to_string(file).expect("source readable");
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            // An inline test module closes the file (`#[cfg(test)] mod tests;` does not).
            if line.trim_start().starts_with("#[cfg(test)]")
                && lines.get(n + 1).is_some_and(|next| next.contains('{'))
            {
                break;
            }
            if line.trim_start().starts_with("//") {
                continue;
            }
            for literal in literals(line) {
                let mut rest = literal.clone();
                for name in ONE_C_NAMES {
                    rest = rest.replace(name, "");
                }
                if rest.chars().any(is_cyrillic) {
                    let rel = file.strip_prefix(root).unwrap_or(file);
                    found.push(format!("{}:{}: {literal:?}", rel.display(), n + 1));
                }
            }
        }
    }
    found
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

#[test]
fn every_sentence_a_person_reads_is_in_the_text_catalogue() {
    let found = offenders(&workspace_root());
    assert!(
        found.is_empty(),
        "Cyrillic text outside crates/domain/src/texts.rs (move it into the catalogue):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_sees_literals_and_skips_comments_and_1c_names() {
    assert_eq!(literals(r#"let a = "Привіт"; // "коментар""#), ["Привіт"]);
    assert_eq!(literals(r#"f("a \"б\" c", 'x')"#), [r#"a \"б\" c"#]);
    assert!(literals("let c = '\"';").is_empty());
    let dir = std::env::temp_dir().join(format!("catalogue-{}", std::process::id()));
    let src = dir.join("crates/x/src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("lib.rs"),
        "#[cfg(test)]\nmod tests;\nconst F: &str = \"НомерДоговора eq 1\";\n// \"Коментар\"\nfn f() -> &'static str { \"Вітаємо\" }\n#[cfg(test)]\nmod tests { const T: &str = \"тест\"; }\n",
    )
    .unwrap();
    let found = offenders(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with(":5: \"Вітаємо\""), "{found:?}");
}
