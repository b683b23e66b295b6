//! Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
//! the browser reads commands on fd 3 and writes answers and events on fd 4, each a JSON
//! message ending in a NUL byte). No port is opened and nothing in the pages runs: measuring
//! and screenshots are the protocol's own commands.
//!
//! [`Browser::look_at`] loads one page in a fresh tab of a 1280×900 window and reports its
//! console errors (uncaught exceptions, `console.error`, and the browser's own error log, where
//! Content-Security-Policy violations land), how wide the document is, and a PNG screenshot.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// The window every page is looked at in.
pub const WINDOW_WIDTH: i64 = 1280;
pub const WINDOW_HEIGHT: i64 = 900;

/// How long one command may take before the test fails.
const ANSWER_WITHIN: Duration = Duration::from_secs(60);

/// What one page looked like.
#[derive(Debug)]
pub struct Look {
    /// Every console error, exception and error log entry, as text.
    pub errors: Vec<String>,
    /// `document.documentElement.scrollWidth` in the window.
    pub scroll_width: i64,
    /// The screenshot of the window, PNG.
    pub png: Vec<u8>,
}

/// A running headless browser.
pub struct Browser {
    child: Child,
    commands: File,
    messages: Receiver<Value>,
    /// Events received while waiting for answers, kept for [`Browser::look_at`].
    events: Vec<Value>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

/// A pipe whose two ends sit at file descriptors 10 and above with close-on-exec set, so that
/// the child's `dup2` onto 3 and 4 cannot clash with them.
fn pipe() -> (RawFd, RawFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid array of two descriptors for pipe(2) to fill.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
    let high = |fd: RawFd| {
        // SAFETY: duplicating and closing descriptors this function owns.
        unsafe {
            let moved = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10);
            assert!(moved >= 10, "fcntl");
            libc::close(fd);
            moved
        }
    };
    (high(fds[0]), high(fds[1]))
}

impl Browser {
    /// Starts `executable` headless with a fresh profile, nothing in the background, and the
    /// DevTools protocol on a pipe.
    pub fn launch(executable: &Path) -> Browser {
        let profile = tempfile::tempdir().expect("a profile directory");
        let (child_reads, we_write) = pipe();
        let (we_read, child_writes) = pipe();
        let mut command = Command::new(executable);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--window-size={WINDOW_WIDTH},{WINDOW_HEIGHT}"))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (dup2) between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if libc::dup2(child_reads, 3) < 0 || libc::dup2(child_writes, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", executable.display()));
        // SAFETY: the child has its copies; the parent's are closed so that the pipe reports
        // the end of the browser.
        unsafe {
            libc::close(child_reads);
            libc::close(child_writes);
        }
        // SAFETY: both descriptors were made by `pipe` above and are owned by nothing else.
        let (commands, answers) =
            unsafe { (File::from_raw_fd(we_write), File::from_raw_fd(we_read)) };
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(answers);
            loop {
                let mut message = Vec::new();
                match reader.read_until(0, &mut message) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if message.last() == Some(&0) {
                            message.pop();
                        }
                        match serde_json::from_slice::<Value>(&message) {
                            Ok(value) => {
                                if tx.send(value).is_err() {
                                    break;
                                }
                            }
                            Err(e) => panic!("the browser sent something that is not JSON: {e}"),
                        }
                    }
                }
            }
        });
        Browser {
            child,
            commands,
            messages,
            events: Vec::new(),
            next_id: 0,
            _profile: profile,
        }
    }

    /// Sends a command (to a tab, by the id it was attached with, when given) and waits for its
    /// answer's `result`.
    fn call(&mut self, tab: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(tab) = tab {
            message["sessionId"] = json!(tab);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.commands
            .write_all(&bytes)
            .unwrap_or_else(|e| panic!("cannot send {method} to the browser: {e}"));
        let deadline = Instant::now() + ANSWER_WITHIN;
        loop {
            let message = self.next_message(deadline, method);
            if message.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(error) = message.get("error") {
                    panic!("{method} failed: {error}");
                }
                return message["result"].clone();
            }
            self.events.push(message);
        }
    }

    fn next_message(&mut self, deadline: Instant, waiting_for: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.messages.recv_timeout(left) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => {
                panic!("the browser did not answer {waiting_for} within {ANSWER_WITHIN:?}")
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the browser ended while {waiting_for} was pending")
            }
        }
    }

    /// Waits for the event `method` of `tab`.
    fn wait_for_event(&mut self, tab: &str, method: &str) {
        let is_it = |m: &Value| {
            m.get("method").and_then(Value::as_str) == Some(method)
                && m.get("sessionId").and_then(Value::as_str) == Some(tab)
        };
        if self.events.iter().any(is_it) {
            return;
        }
        let deadline = Instant::now() + ANSWER_WITHIN;
        loop {
            let message = self.next_message(deadline, method);
            let found = is_it(&message);
            self.events.push(message);
            if found {
                return;
            }
        }
    }

    /// Loads `url` in a new tab of the window's size and reports what it showed.
    pub fn look_at(&mut self, url: &str) -> Look {
        self.events.clear();
        let target = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }));
        let target_id = target["targetId"]
            .as_str()
            .expect("a target id")
            .to_string();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        );
        let tab = attached["sessionId"]
            .as_str()
            .expect("the attached tab's id")
            .to_string();
        let s = Some(tab.as_str());
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            self.call(s, domain, json!({}));
        }
        self.call(
            s,
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": WINDOW_WIDTH, "height": WINDOW_HEIGHT, "deviceScaleFactor": 1,
                    "mobile": false }),
        );
        let navigated = self.call(s, "Page.navigate", json!({ "url": url }));
        if let Some(error) = navigated.get("errorText") {
            panic!("cannot load {url}: {error}");
        }
        self.wait_for_event(&tab, "Page.loadEventFired");
        let measured = self.call(
            s,
            "Runtime.evaluate",
            json!({ "expression": "document.documentElement.scrollWidth", "returnByValue": true }),
        );
        let scroll_width = measured["result"]["value"]
            .as_i64()
            .unwrap_or_else(|| panic!("no width measured: {measured}"));
        let shot = self.call(s, "Page.captureScreenshot", json!({ "format": "png" }));
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("the screenshot is base64");
        self.call(None, "Target.closeTarget", json!({ "targetId": target_id }));
        let errors = self
            .events
            .iter()
            .filter(|m| m.get("sessionId").and_then(Value::as_str) == Some(&tab))
            .filter_map(error_of)
            .collect();
        Look {
            errors,
            scroll_width,
            png,
        }
    }
}

/// The text of an event that reports an error on the page's console.
fn error_of(event: &Value) -> Option<String> {
    let params = &event["params"];
    match event.get("method")?.as_str()? {
        "Runtime.exceptionThrown" => Some(format!(
            "Uncaught: {}",
            params["exceptionDetails"]["exception"]["description"]
                .as_str()
                .or(params["exceptionDetails"]["text"].as_str())
                .unwrap_or("an exception")
        )),
        "Runtime.consoleAPICalled"
            if matches!(params["type"].as_str(), Some("error" | "assert")) =>
        {
            Some(format!("CONSOLE error: {}", params["args"]))
        }
        "Log.entryAdded" if params["entry"]["level"].as_str() == Some("error") => Some(format!(
            "CONSOLE {}: {}",
            params["entry"]["source"].as_str().unwrap_or("log"),
            params["entry"]["text"].as_str().unwrap_or("")
        )),
        _ => None,
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.call_quietly();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    /// Asks the browser to close, without waiting for or checking the answer.
    fn call_quietly(&mut self) -> std::io::Result<()> {
        self.next_id += 1;
        let message = json!({ "id": self.next_id, "method": "Browser.close", "params": {} });
        let mut bytes = serde_json::to_vec(&message)?;
        bytes.push(0);
        self.commands.write_all(&bytes)
    }
}

/// Whether a PNG shows more than one colour: a blank render is one colour throughout.
pub fn has_more_than_one_colour(png: &[u8]) -> bool {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("a PNG size")];
    let info = reader.next_frame(&mut buffer).expect("a PNG frame");
    let bytes = &buffer[..info.buffer_size()];
    let pixel = info.color_type.samples() * usize::from(info.bit_depth as u8).div_ceil(8);
    let first = &bytes[..pixel];
    bytes.chunks_exact(pixel).any(|p| p != first)
}
