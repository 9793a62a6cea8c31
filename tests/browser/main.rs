//! The web app as its users meet it: the real `lumbung demo` driven by
//! headless Chromium over the DevTools protocol, as every demo role and as
//! a visitor, on a desktop and a phone, in Indonesian and English. A page
//! fails on a console error, a 4xx/5xx answer, a horizontal overflow, or a
//! phrase of the other language; a screenshot of each failing page is
//! written to `target/browser-failures/` (and of every page checked to
//! `$LUMBUNG_BROWSER_SHOTS`, when set). The crawl is here, the journeys
//! through the forms in `journeys.rs`.

#[path = "../common/mod.rs"]
mod common;

mod axe;
mod cdp;
mod demo;
mod journeys;
mod privacy;
mod words;

use cdp::{Browser, Trouble};
use demo::Demo;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) const DESKTOP: (u32, u32, bool) = (1366, 900, false);
pub(crate) const PHONE: (u32, u32, bool) = (390, 844, true);

/// Every page reached in one visit, with what went wrong on it.
pub(crate) struct Visit<'a> {
    pub(crate) browser: &'a mut Browser,
    pub(crate) demo: &'a Demo,
    pub(crate) lang: &'static str,
    pub(crate) device: &'static str,
    pub(crate) who: &'a str,
    pub(crate) failures: Vec<String>,
    /// Whether each page also meets axe-core (the journeys' pages).
    pub(crate) accessible: bool,
}

/// The pages checked so far in this run, numbering the screenshots of
/// `LUMBUNG_BROWSER_SHOTS` in the order they were taken.
static SHOTS: AtomicUsize = AtomicUsize::new(0);

impl<'a> Visit<'a> {
    /// A visit by `who` in `lang` on `device`, from a browser holding no
    /// cookie but the language's.
    pub(crate) fn start(
        browser: &'a mut Browser,
        demo: &'a Demo,
        lang: &'static str,
        device: &'static str,
        who: &'a str,
        accessible: bool,
    ) -> Visit<'a> {
        browser.clear_cookies();
        browser.set_cookie(&demo.base, "lumbung_lang", lang);
        Visit {
            browser,
            demo,
            lang,
            device,
            who,
            failures: Vec::new(),
            accessible,
        }
    }

    /// Checks the page now shown; `what` names it in a failure. With
    /// `LUMBUNG_BROWSER_SHOTS=DIR`, every page checked is also kept as
    /// `DIR/who-lang-device-seq-path.png`, for a person to look through.
    pub(crate) fn check(&mut self, what: &str) {
        let mut problems: Vec<String> = Vec::new();
        for t in self.browser.take_troubles() {
            match t {
                Trouble::Console(text) => problems.push(format!("console error: {text}")),
                // A 403 is the access table at work only where a test
                // asks for it; none of the journeys' links may lead there.
                Trouble::Status { status, url } => problems.push(format!("{status} for {url}")),
            }
        }
        let overflow = self
            .browser
            .eval("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        if overflow.as_i64().unwrap_or(0) > 1 {
            problems.push(format!("overflows sideways by {overflow} px"));
        }
        if self.accessible {
            for v in axe::violations(self.browser) {
                problems.push(format!("accessibility: {v}"));
            }
        }
        // What the page marks `translate="no"` (an audit entry's JSON, in
        // both languages as stored) is data, not the page's language.
        let text = self.browser.eval(
            "(() => { let t = document.body.innerText;
               for (const e of document.querySelectorAll('[translate=no]')) t = t.replace(e.innerText, ' ');
               return t; })()",
        );
        let text = text.as_str().unwrap_or("");
        for phrase in words::foreign(self.lang, text) {
            problems.push(format!("text of the other language: {phrase:?}"));
        }
        let shots = std::env::var_os("LUMBUNG_BROWSER_SHOTS");
        if problems.is_empty() && shots.is_none() {
            return;
        }
        let png = self.browser.screenshot();
        let name = format!("{}-{}-{}", self.who, self.lang, self.device);
        if let Some(dir) = shots {
            let seq = SHOTS.fetch_add(1, Ordering::Relaxed);
            let here = self.path();
            demo::write_shot(dir.as_ref(), &format!("{name}-{seq:04}-{here}"), &png);
        }
        if !problems.is_empty() {
            let shot = self.demo.failure_shot(&format!("{name}-{what}"), &png);
            self.failures.push(format!(
                "{} ({}, {}) on {what}: {}\n  screenshot: {shot}",
                self.who,
                self.lang,
                self.device,
                problems.join("; ")
            ));
        }
    }

    pub(crate) fn open(&mut self, path: &str) {
        let url = format!("{}{path}", self.demo.base);
        self.browser.goto(&url);
        self.check(path);
    }

    pub(crate) fn sign_in(&mut self, user: &str) {
        self.open("/login");
        self.browser.eval_and_wait(&format!(
            "document.getElementById('username').value = {user:?};
             document.getElementById('password').value = {pw:?};
             document.querySelector('form[action=\"/login\"]').requestSubmit();",
            pw = demo::PASSWORD
        ));
        let path = self.browser.eval("location.pathname");
        assert_ne!(path, "/login", "{user} could not sign in through the form");
        self.check(&format!("after sign-in ({path})"));
    }

    /// Opens the link whose text is `text` (the first, as a person would).
    pub(crate) fn follow(&mut self, text: &str) {
        let href = format!(
            "([...document.querySelectorAll('a')].find(a => a.textContent.trim() === {text:?}) || {{}}).href || ''"
        );
        self.open_link(&href, &format!("{text:?}"));
    }

    /// Opens the link whose address the script `href` gives ('' for none);
    /// `what` names the link in a failure.
    pub(crate) fn open_link(&mut self, href: &str, what: &str) {
        let href = self.browser.eval(href);
        let href = href.as_str().unwrap_or("").to_owned();
        let (who, here) = (self.who.to_owned(), self.path());
        assert!(!href.is_empty(), "{who}: no link {what} on {here}");
        self.browser.goto(&href);
        self.check(&format!("link {what}"));
    }

    /// Fills the form `form` (a CSS selector) with `fields` by name and
    /// sends it with the button whose value is `button` (else its first);
    /// checks the page it leads to. A checkbox is ticked when its value is
    /// given (of boxes sharing a name, the one with that value).
    pub(crate) fn submit(&mut self, form: &str, fields: &[(&str, &str)], button: Option<&str>) {
        let fields = serde_json::to_string(fields).unwrap();
        let found = self.browser.eval(&format!(
            "(() => {{ const f = document.querySelector({form:?}); if (!f) return false;
               for (const [n, v] of {fields}) {{
                 const i = f.elements[n]; if (!i) return 'no field ' + n;
                 const boxes = i instanceof RadioNodeList ? [...i] : [i];
                 if (boxes[0].type === 'checkbox') {{
                   const box = boxes.find(b => b.value === v); if (!box) return 'no box ' + n + '=' + v;
                   box.checked = true;
                 }} else {{ i.value = v; }}
               }}
               return true; }})()"
        ));
        let (who, here) = (self.who.to_owned(), self.path());
        assert_eq!(
            found,
            serde_json::json!(true),
            "{who}: form {form} on {here}"
        );
        let button = match button {
            Some(v) => format!("f.querySelector('button[value={v:?}]')"),
            None => "f.querySelector('button')".to_owned(),
        };
        self.browser.eval_and_wait(&format!(
            "(() => {{ const f = document.querySelector({form:?}); f.requestSubmit({button}); }})()"
        ));
        self.check(&format!("sent {form}"));
    }

    /// The address now shown, path and query.
    pub(crate) fn path(&mut self) -> String {
        let here = self.browser.eval("location.pathname + location.search");
        here.as_str().unwrap_or("").to_owned()
    }

    /// The page's text.
    pub(crate) fn text(&mut self) -> String {
        let text = self.browser.eval("document.body.innerText");
        text.as_str().unwrap_or("").to_owned()
    }

    /// Signs out (the session cookie gone) keeping the language.
    pub(crate) fn sign_out(&mut self) {
        self.browser.clear_cookies();
        self.browser
            .set_cookie(&self.demo.base, "lumbung_lang", self.lang);
    }

    /// Where the page now shown leads: the app's own links (menu and
    /// content, without sign-out, language switches, downloads and the
    /// API) and each GET form sent with its defaults.
    fn leads(&mut self) -> Vec<String> {
        let found = self.browser.eval(
            "[...[...document.querySelectorAll('a[href^=\"/\"]')]
               .map(a => a.getAttribute('href').split('#')[0]),
              ...[...document.querySelectorAll('form')]
               .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'get')
               .map(f => {
                 const q = new URLSearchParams(new FormData(f)).toString();
                 const to = f.getAttribute('action') || location.pathname;
                 return to + (q ? (to.includes('?') ? '&' : '?') + q : '');
               })]
              .filter(h => h.startsWith('/') && !h.startsWith('/logout') && !h.startsWith('/lang/')
                           && !h.includes('.csv') && !h.includes('.xlsx') && !h.includes('.json')
                           && !h.includes('download') && !h.startsWith('/api/'))",
        );
        found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h.as_str().map(str::to_string))
            .collect()
    }

    /// Every page reachable from the one now shown, breadth first; of the
    /// pages of one shape (`/fund/loan/{id}`) only the first `per_shape`.
    fn crawl(&mut self, per_shape: usize) -> usize {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
        let mut queue: VecDeque<String> = self.leads().into();
        assert!(!queue.is_empty(), "{} sees no link at all", self.who);
        while let Some(path) = queue.pop_front() {
            if !seen.insert(path.clone()) {
                continue;
            }
            let count = shapes.entry(shape(&path)).or_default();
            *count += 1;
            if *count > per_shape || seen.len() > MAX_PAGES {
                continue;
            }
            self.open(&path);
            queue.extend(self.leads());
        }
        seen.len()
    }
}

/// While fixing a page: `LUMBUNG_BROWSER_USERS=upk.kasir` and
/// `LUMBUNG_BROWSER_DEVICES=phone` narrow the run (comma-separated).
fn only(variable: &str, what: &str) -> bool {
    std::env::var(variable).map_or(true, |list| list.split(',').any(|w| w == what))
}

const MAX_PAGES: usize = 400;

/// A path with its numbers and query values blanked: the pages of one
/// kind.
fn shape(path: &str) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let mut shaped: String = path
        .split('/')
        .map(|part| {
            if part.chars().any(|c| c.is_ascii_digit()) {
                "#"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    // Another page or order of a list is the same kind of page.
    let mut keys: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| kv.split('=').next().unwrap_or(kv))
        .filter(|k| !["page", "per", "sort", "dir"].contains(k))
        .collect();
    keys.sort();
    keys.dedup();
    if !keys.is_empty() {
        shaped.push('?');
        shaped.push_str(&keys.join("&"));
    }
    shaped
}

/// Every demo login, then a visitor: sign in, then every page the menu and
/// the landing page link to, each checked.
#[test]
fn every_role_reaches_its_pages_without_errors_in_both_languages_on_desktop_and_phone() {
    let demo = Demo::start();
    let mut browser = Browser::launch();
    let mut failures = Vec::new();
    let mut pages_seen = 0;
    for (device, (w, h, mobile)) in [("desktop", DESKTOP), ("phone", PHONE)] {
        if !only("LUMBUNG_BROWSER_DEVICES", device) {
            continue;
        }
        browser.viewport(w, h, mobile);
        for lang in ["id", "en"] {
            let everyone = demo::USERS.iter().copied().chain([demo::VISITOR]);
            for who in everyone.filter(|who| only("LUMBUNG_BROWSER_USERS", who)) {
                let accessible = std::env::var("LUMBUNG_AXE_CRAWL").is_ok();
                let mut visit = Visit::start(&mut browser, &demo, lang, device, who, accessible);
                if who == demo::VISITOR {
                    visit.open("/");
                } else {
                    visit.sign_in(who);
                }
                // On a phone, one page of each kind shows its layout.
                pages_seen += visit.crawl(if device == "phone" { 1 } else { 2 });
                failures.append(&mut visit.failures);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems in {pages_seen} pages:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
