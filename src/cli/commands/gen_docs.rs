//! `ecslint gen-docs`: rule pages, the facts page and schemas, written or checked.

#[allow(unused_imports)]
use crate::cli::*;

pub fn gen_docs(check_only: bool) -> u8 {
    let rules = match catalog::builtin(&BTreeMap::new()).map_err(rule_errors) {
        Ok(rules) => rules,
        Err(code) => return code,
    };
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (path, text) in crate::docs::all_pages(&rules, &repo) {
        let full = repo.join(&path);
        if std::fs::read_to_string(&full).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if check_only {
            stale.push(path);
        } else {
            if let Some(parent) = full.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            if let Err(e) = std::fs::write(&full, text) {
                return fail(format!("{path}: {e}"));
            }
            eprintln!("wrote {path}");
        }
    }
    if stale.is_empty() {
        EXIT_CLEAN
    } else {
        fail(format!(
            "stale docs (run `cargo run -- gen-docs`): {}",
            stale.join(", ")
        ))
    }
}
