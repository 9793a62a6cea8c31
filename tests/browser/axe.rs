//! Accessibility: axe-core (npm `axe-core`, MPL-2.0, vendored as one file
//! in `fixtures/`, never served by the app) run on a page; its serious and
//! critical violations fail a journey.

use crate::cdp::Browser;

const AXE: &str = include_str!("fixtures/axe.min.js");

/// The serious and critical violations on the page now shown, each with
/// the rule, its help and where.
pub fn violations(browser: &mut Browser) -> Vec<String> {
    browser.eval(AXE);
    let found = browser.eval(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
           .filter(v => v.impact === 'serious' || v.impact === 'critical')
           .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at '
                + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))",
    );
    found
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}
