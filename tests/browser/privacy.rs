//! The demo's public boards, as a visitor's browser shows them, name no
//! person: no mapped household or its members, no KSM member, no
//! complainant — every name the demo's database holds is looked for.

use crate::cdp::Browser;
use crate::demo::Demo;

/// Every person's name in the demo's database: household heads and
/// members of the self-mapping, KSM members, named complainants.
fn names(demo: &Demo) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for h in demo.texts("SELECT household FROM community_households") {
        let h: serde_json::Value = serde_json::from_str(&h).unwrap();
        out.extend(h["head_name"].as_str().map(str::to_owned));
        for m in h["members"].as_array().into_iter().flatten() {
            out.extend(m["name"].as_str().map(str::to_owned));
        }
    }
    out.extend(demo.texts("SELECT name FROM fund_members"));
    out.extend(demo.texts("SELECT name FROM complaints WHERE name IS NOT NULL"));
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_demos_public_boards_name_no_household_member_or_complainant() {
    let demo = Demo::start();
    let names = names(&demo);
    assert!(names.len() >= 20, "the demo holds people: {names:?}");
    let mut browser = Browser::launch();
    for path in [
        "/board/3604240003",
        "/board/3604240002",
        "/boards/1",
        "/boards/1/board.json",
    ] {
        // The board's file is a download: read as the page's script would.
        let page = if path.ends_with(".json") {
            browser.eval(&format!("fetch({path:?}).then(r => r.text())"))
        } else {
            browser.goto(&format!("{}{path}", demo.base));
            browser.eval("document.documentElement.outerHTML")
        };
        let page = page.as_str().unwrap_or("");
        assert!(page.contains("3604240"), "{path} is a board: {page}");
        for name in &names {
            assert!(!page.contains(name.as_str()), "{name:?} on {path}");
        }
    }
}
