//! A small synchronous client of the Chrome DevTools protocol: enough to
//! drive Debian's `chromium` headless through pages and forms and to hear
//! what a page did wrong (console errors, failed requests).

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// The Chromium of the machine: `LUMBUNG_CHROMIUM`, else Debian's.
pub fn chromium_path() -> String {
    std::env::var("LUMBUNG_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// What a page did that a user would notice or a developer must fix.
#[derive(Debug, Clone)]
pub enum Trouble {
    Console(String),
    Status { status: u64, url: String },
}

pub struct Browser {
    child: Child,
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
    /// Events not yet looked at, oldest first.
    pending: Vec<Value>,
    troubles: Vec<Trouble>,
    _profile: tempfile::TempDir,
}

const WAIT: Duration = Duration::from_secs(30);

impl Browser {
    /// Starts a headless Chromium with a fresh profile and opens one tab.
    pub fn launch() -> Browser {
        let exe = chromium_path();
        assert!(
            std::path::Path::new(&exe).exists(),
            "the browser tests need Chromium at {exe} (Debian package `chromium`; \
             .ci/run installs it; LUMBUNG_CHROMIUM names another)"
        );
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(&exe)
            .args([
                "--headless=new",
                // Chromium refuses to run as root with its sandbox.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--remote-debugging-port=0",
                "--lang=en-GB",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {exe}: {e}"));
        let url = devtools_url(&mut child);
        let (ws, _) = tungstenite::connect(url.as_str()).expect("connect to DevTools");
        if let MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
        }
        let mut browser = Browser {
            child,
            ws,
            session: String::new(),
            next_id: 0,
            pending: Vec::new(),
            troubles: Vec::new(),
            _profile: profile,
        };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}));
        let target = target["targetId"].as_str().unwrap().to_string();
        let attached = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in ["Page", "Runtime", "Network", "Log"] {
            browser.call(&format!("{domain}.enable"), json!({}));
        }
        // The tests' own scripts (axe-core) run under the app's strict
        // Content-Security-Policy, which the app's pages keep.
        browser.call("Page.setBypassCSP", json!({"enabled": true}));
        browser
    }

    /// Sends a command to the tab (or to the browser before a tab is
    /// attached) and waits for its answer.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        self.ws
            .send(Message::text(message.to_string()))
            .expect("send to DevTools");
        let deadline = Instant::now() + WAIT;
        loop {
            let Some(m) = self.receive(deadline, method) else {
                continue;
            };
            if m["id"] == json!(id) {
                if let Some(e) = m.get("error") {
                    panic!("{method} failed: {e}");
                }
                return m["result"].clone();
            }
            self.note(m);
        }
    }

    fn receive(&mut self, deadline: Instant, waiting_for: &str) -> Option<Value> {
        assert!(
            Instant::now() < deadline,
            "Chromium did not answer {waiting_for} within {WAIT:?}"
        );
        match self.ws.read() {
            Ok(Message::Text(t)) => Some(serde_json::from_str(&t).expect("DevTools speaks JSON")),
            Ok(_) => None,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(e) => panic!("DevTools connection lost: {e}"),
        }
    }

    /// Keeps an event, and remembers the troubles it tells of.
    fn note(&mut self, event: Value) {
        let p = &event["params"];
        match event["method"].as_str().unwrap_or("") {
            "Runtime.consoleAPICalled"
                if matches!(p["type"].as_str(), Some("error" | "assert")) =>
            {
                let text = p["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| a["value"].to_string())
                    .collect::<Vec<_>>()
                    .join(" ");
                self.troubles.push(Trouble::Console(text));
            }
            "Runtime.exceptionThrown" => self.troubles.push(Trouble::Console(
                p["exceptionDetails"]["exception"]["description"]
                    .as_str()
                    .unwrap_or_else(|| p["exceptionDetails"]["text"].as_str().unwrap_or(""))
                    .to_string(),
            )),
            "Log.entryAdded" if p["entry"]["level"] == "error" => {
                self.troubles.push(Trouble::Console(format!(
                    "{} ({})",
                    p["entry"]["text"].as_str().unwrap_or(""),
                    p["entry"]["url"].as_str().unwrap_or("")
                )))
            }
            "Network.responseReceived" => {
                let status = p["response"]["status"].as_u64().unwrap_or(0);
                if status >= 400 {
                    self.troubles.push(Trouble::Status {
                        status,
                        url: p["response"]["url"].as_str().unwrap_or("").to_string(),
                    });
                }
            }
            _ => {}
        }
        self.pending.push(event);
    }

    /// Waits until the tab has fired the event `method`.
    fn wait_for(&mut self, method: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(i) = self.pending.iter().position(|e| e["method"] == method) {
                self.pending.drain(..=i);
                return;
            }
            if let Some(m) = self.receive(deadline, method) {
                self.note(m);
            }
        }
    }

    /// The troubles seen since the last call, emptied.
    pub fn take_troubles(&mut self) -> Vec<Trouble> {
        std::mem::take(&mut self.troubles)
    }

    pub fn goto(&mut self, url: &str) {
        self.pending.clear();
        let answer = self.call("Page.navigate", json!({"url": url}));
        if let Some(e) = answer.get("errorText") {
            panic!("cannot open {url}: {e}");
        }
        self.wait_for("Page.loadEventFired");
    }

    /// Runs `js` in the page and returns its value (promises awaited).
    pub fn eval(&mut self, js: &str) -> Value {
        let answer = self.call(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(e) = answer.get("exceptionDetails") {
            panic!("script failed: {js}\n{e}");
        }
        answer["result"]["value"].clone()
    }

    /// Runs `js` that leads to a new page (a click, a submit) and waits
    /// for that page to load.
    pub fn eval_and_wait(&mut self, js: &str) {
        self.pending.clear();
        self.eval(js);
        self.wait_for("Page.loadEventFired");
    }

    /// Chooses `files` in the file input `selector` (a CSS selector), as
    /// a person would in the file dialog.
    pub fn set_files(&mut self, selector: &str, files: &[&std::path::Path]) {
        let found = self.call(
            "Runtime.evaluate",
            json!({"expression": format!("document.querySelector({selector:?})")}),
        );
        let object = found["result"]["objectId"]
            .as_str()
            .unwrap_or_else(|| panic!("no file input {selector}"))
            .to_owned();
        self.call(
            "DOM.setFileInputFiles",
            json!({"files": files, "objectId": object}),
        );
    }

    pub fn set_cookie(&mut self, base: &str, name: &str, value: &str) {
        self.call(
            "Network.setCookie",
            json!({"name": name, "value": value, "url": base}),
        );
    }

    pub fn clear_cookies(&mut self) {
        self.call("Network.clearBrowserCookies", json!({}));
    }

    pub fn viewport(&mut self, width: u32, height: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        );
    }

    /// The page printed as the browser prints it (its CSS page size).
    pub fn pdf(&mut self) -> Vec<u8> {
        use base64::Engine;
        let printed = self.call(
            "Page.printToPDF",
            json!({"preferCSSPageSize": true, "printBackground": true}),
        );
        base64::engine::general_purpose::STANDARD
            .decode(printed["data"].as_str().unwrap())
            .unwrap()
    }

    /// A PNG of the whole page.
    pub fn screenshot(&mut self) -> Vec<u8> {
        use base64::Engine;
        let shot = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Chromium prints `DevTools listening on ws://…` on stderr once ready.
fn devtools_url(child: &mut Child) -> String {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("DevTools listening on ") {
                if !sent {
                    let _ = tx.send(url.trim().to_string());
                    sent = true;
                }
            }
            // Keep reading so that Chromium never blocks on a full pipe.
        }
    });
    rx.recv_timeout(WAIT)
        .expect("Chromium did not print its DevTools address")
}
