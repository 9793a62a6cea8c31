//! The shape of the code that ARCHITECTURE.md promises: no module of a
//! crate imports one that imports it back (directly or round about), and no
//! source file outgrows a head (1,500 lines; tests and generated data
//! aside).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The most lines of a source file outside tests.
const MAX_LINES: usize = 1_500;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every crate's `src`: the binary's and each library's.
fn crate_sources() -> Vec<PathBuf> {
    let repo = common::repo();
    let mut dirs = vec![repo.join("src")];
    let mut crates: Vec<PathBuf> = std::fs::read_dir(repo.join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    crates.sort();
    dirs.extend(crates);
    dirs
}

/// The code of a file without its comments and its `#[cfg(test)]` part.
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn identifier(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules a file names through `crate::` (and, in a file
/// at the top of its crate, `super::`).
fn modules_named(code: &str, top_level: bool) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    let prefixes: &[&str] = if top_level {
        &["crate::", "super::"]
    } else {
        &["crate::"]
    };
    for prefix in prefixes {
        for (i, _) in code.match_indices(prefix) {
            let rest = &code[i + prefix.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                for item in group.split(',') {
                    let name = identifier(item.trim());
                    if !name.is_empty() {
                        named.insert(name.to_owned());
                    }
                }
            } else {
                let name = identifier(rest);
                if !name.is_empty() {
                    named.insert(name.to_owned());
                }
            }
        }
    }
    named
}

/// Module → the other modules of the same crate it names.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|f| {
            let rel = f.strip_prefix(src).unwrap();
            let first = rel.components().next()?.as_os_str().to_str()?;
            Some(first.trim_end_matches(".rs").to_owned())
        })
        .filter(|m| m != "lib" && m != "main")
        .collect();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let parts: Vec<String> = rel
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let module = parts[0].clone();
        if module == "lib" || module == "main" || parts.last().is_some_and(|p| p == "tests") {
            continue;
        }
        let top_level = parts.len() == 1 || (parts.len() == 2 && parts[1] == "mod");
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        let named: Vec<String> = modules_named(&code, top_level)
            .into_iter()
            .filter(|m| *m != module && modules.contains(m))
            .collect();
        graph.entry(module).or_default().extend(named);
    }
    graph
}

/// A path of imports from `from` back to `to`, if there is one.
fn path_back(
    graph: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    to: &str,
    seen: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if from == to {
        return Some(vec![to.to_owned()]);
    }
    for next in graph.get(from).into_iter().flatten() {
        if seen.insert(next.clone()) {
            if let Some(mut path) = path_back(graph, next, to, seen) {
                path.insert(0, from.to_owned());
                return Some(path);
            }
        }
    }
    None
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let mut cycles = Vec::new();
    for src in crate_sources() {
        let graph = module_graph(&src);
        for (module, named) in &graph {
            for other in named {
                let mut seen = BTreeSet::from([other.clone()]);
                if let Some(back) = path_back(&graph, other, module, &mut seen) {
                    cycles.push(format!(
                        "{}: {module} → {}",
                        src.display(),
                        back.join(" → ")
                    ));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn a_cycle_is_seen_through_groups_and_super() {
    let named = modules_named("use crate::{a::X, b};\nuse super::c::Y;\n", true);
    assert_eq!(named, BTreeSet::from(["a".into(), "b".into(), "c".into()]));
    let graph = BTreeMap::from([
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]);
    let mut seen = BTreeSet::new();
    assert_eq!(
        path_back(&graph, "b", "a", &mut seen),
        Some(vec!["b".into(), "c".into(), "a".into()])
    );
    // Comments name modules without importing them.
    assert!(modules_named(&code_of("// crate::x\n/// [`crate::y`]\n"), true).is_empty());
}

#[test]
fn no_source_file_outgrows_a_head() {
    let mut long = Vec::new();
    for src in crate_sources() {
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        for file in files {
            if file.file_name().is_some_and(|n| n == "tests.rs")
                || file.components().any(|c| c.as_os_str() == "tests")
            {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            let code = text.split("\n#[cfg(test)]\nmod tests").next().unwrap();
            let lines = code.lines().count();
            if lines > MAX_LINES {
                long.push(format!("{}: {lines} lines", file.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines (split them along the domain's seams):\n{}",
        long.join("\n")
    );
}
