//! Scripted faults: answer the next N matching requests with an error, drop the connection
//! before doing anything, or do the write and drop the connection without an answer.
//!
//! A fault only describes what should go wrong and counts itself down; the server decides
//! where in the handling of a request it applies.

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status and a JSON `message`, without touching the state.
    Status(u16),
    /// 403 "You have exceeded a secondary rate limit" with `retry-after: secs`.
    SecondaryLimit(u64),
    /// Close the connection before doing anything: nothing changes, no answer.
    DropConnection,
    /// Do the request, then close the connection without an answer.
    DropAfterWrite,
    /// Answer with this status and a `message` that quotes the request's token back, as some
    /// proxies and error pages in front of GitHub do: output must never repeat it.
    EchoToken(u16),
}

/// A fault for requests whose method equals `method` (or `"*"` for any) and whose path,
/// relative to the API root and without the query, ends with `path_suffix` (`""` for any).
/// It fires `times` times (1 unless set), on the first matching requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub method: String,
    pub path_suffix: String,
    pub kind: FaultKind,
    pub times: u32,
}

impl Fault {
    fn new(method: &str, path_suffix: &str, kind: FaultKind) -> Fault {
        Fault {
            method: method.to_ascii_uppercase(),
            path_suffix: path_suffix.to_string(),
            kind,
            times: 1,
        }
    }

    /// Answer with `status_code` (500, 502, 503, 429, ...).
    pub fn status(method: &str, path_suffix: &str, status_code: u16) -> Fault {
        Fault::new(method, path_suffix, FaultKind::Status(status_code))
    }

    /// Answer 403 with GitHub's secondary-rate-limit message and `retry-after`.
    pub fn secondary_limit(method: &str, path_suffix: &str, retry_after_secs: u64) -> Fault {
        Fault::new(
            method,
            path_suffix,
            FaultKind::SecondaryLimit(retry_after_secs),
        )
    }

    /// Close the connection before handling the request.
    pub fn drop_connection(method: &str, path_suffix: &str) -> Fault {
        Fault::new(method, path_suffix, FaultKind::DropConnection)
    }

    /// Handle the request (a create happens), then close the connection without answering.
    pub fn drop_after_write(method: &str, path_suffix: &str) -> Fault {
        Fault::new(method, path_suffix, FaultKind::DropAfterWrite)
    }

    /// Answer `status_code` with a message quoting the caller's token.
    pub fn echo_token(method: &str, path_suffix: &str, status_code: u16) -> Fault {
        Fault::new(method, path_suffix, FaultKind::EchoToken(status_code))
    }

    /// Fire on the next `n` matching requests instead of one.
    pub fn times(mut self, n: u32) -> Fault {
        self.times = n;
        self
    }

    pub fn matches(&self, method: &str, path: &str) -> bool {
        self.times > 0
            && (self.method == "*" || self.method.eq_ignore_ascii_case(method))
            && path.ends_with(&self.path_suffix)
    }
}

/// Takes one firing of the first fault matching the request, if any.
pub fn take(faults: &mut Vec<Fault>, method: &str, path: &str) -> Option<FaultKind> {
    let index = faults.iter().position(|f| f.matches(method, path))?;
    let fault = &mut faults[index];
    fault.times -= 1;
    let kind = fault.kind.clone();
    if fault.times == 0 {
        faults.remove(index);
    }
    Some(kind)
}
