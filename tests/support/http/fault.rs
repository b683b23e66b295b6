//! Scripted and random faults: answer a request with an error, drop the connection before
//! doing anything, do the write and drop the connection (or answer an error) without saying
//! so, or hold the request open without an answer so that a test can kill the client while
//! its request is in flight.
//!
//! A scripted [`Fault`] is addressed by method and path suffix, or by the request's number
//! (the k-th request the emulator receives, counting every request); it counts itself down.
//! [`RandomFaults`] strike a seeded share of all requests, so that a failing run can be
//! repeated exactly. Neither decides where in the handling of a request it applies: that is
//! the server's business.

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status and a JSON `message`, without touching the state.
    Status(u16),
    /// Do the request, then answer with this status instead of its result, as a gateway
    /// that timed out while the tracker went on does (a 502 after the issue was created).
    StatusAfterWrite(u16),
    /// The tracker's answer to a client that must slow down, with `retry-after: secs`: GitHub's
    /// secondary-limit 403, GitLab's 429.
    SecondaryLimit(u64),
    /// Close the connection before doing anything: nothing changes, no answer.
    DropConnection,
    /// Do the request, then close the connection without an answer.
    DropAfterWrite,
    /// Hold the request open without doing anything and without an answer (until the client
    /// goes away, or for a minute at most, then drop the connection).
    Stall,
    /// Do the request, then hold it open without an answer, as [`FaultKind::Stall`] does.
    StallAfterWrite,
    /// Answer with this status and a `message` that quotes the request's token back, as some
    /// proxies and error pages in front of a tracker do: output must never repeat it.
    EchoToken(u16),
}

impl FaultKind {
    /// True when the request is handled (the state may change) before the fault shows.
    pub fn after_write(&self) -> bool {
        matches!(
            self,
            FaultKind::StatusAfterWrite(_) | FaultKind::DropAfterWrite | FaultKind::StallAfterWrite
        )
    }
}

/// A fault for requests whose method equals `method` (or `"*"` for any) and whose path,
/// relative to the API root and without the query, ends with `path_suffix` (`""` for any),
/// and, when `request_number` is set, only for the request with that number (the first
/// request the emulator receives is number 1). It fires `times` times (1 unless set), on the
/// first matching requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub method: String,
    pub path_suffix: String,
    pub request_number: Option<u64>,
    pub kind: FaultKind,
    pub times: u32,
}

impl Fault {
    fn new(method: &str, path_suffix: &str, kind: FaultKind) -> Fault {
        Fault {
            method: method.to_ascii_uppercase(),
            path_suffix: path_suffix.to_string(),
            request_number: None,
            kind,
            times: 1,
        }
    }

    /// Answer with `status_code` (500, 502, 503, 429, ...).
    pub fn status(method: &str, path_suffix: &str, status_code: u16) -> Fault {
        Fault::new(method, path_suffix, FaultKind::Status(status_code))
    }

    /// Answer that the client must slow down, with `retry-after` ([`FaultKind::SecondaryLimit`]).
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

    /// `kind` for the request numbered `number` (1 for the first the emulator receives),
    /// whatever its method and path.
    pub fn at_request(number: u64, kind: FaultKind) -> Fault {
        Fault {
            request_number: Some(number),
            ..Fault::new("*", "", kind)
        }
    }

    /// Fire on the next `n` matching requests instead of one.
    pub fn times(mut self, n: u32) -> Fault {
        self.times = n;
        self
    }

    pub fn matches(&self, method: &str, path: &str, number: u64) -> bool {
        self.times > 0
            && (self.method == "*" || self.method.eq_ignore_ascii_case(method))
            && path.ends_with(&self.path_suffix)
            && self.request_number.is_none_or(|n| n == number)
    }
}

/// Takes one firing of the first fault matching the request numbered `number`, if any.
pub fn take(faults: &mut Vec<Fault>, method: &str, path: &str, number: u64) -> Option<FaultKind> {
    let index = faults
        .iter()
        .position(|f| f.matches(method, path, number))?;
    let fault = &mut faults[index];
    fault.times -= 1;
    let kind = fault.kind.clone();
    if fault.times == 0 {
        faults.remove(index);
    }
    Some(kind)
}

/// Faults that strike `percent` of all requests at random, each drawing its kind from
/// `kinds`; the same seed and the same requests give the same faults.
#[derive(Debug, Clone)]
pub struct RandomFaults {
    rng: fastrand::Rng,
    percent: u8,
    kinds: Vec<FaultKind>,
}

impl RandomFaults {
    pub fn new(seed: u64, percent: u8, kinds: Vec<FaultKind>) -> RandomFaults {
        RandomFaults {
            rng: fastrand::Rng::with_seed(seed),
            percent: percent.min(100),
            kinds,
        }
    }

    /// The fault for the next request, if it is one of the unlucky ones.
    pub fn draw(&mut self) -> Option<FaultKind> {
        // Both numbers are drawn for every request, so one request's luck never shifts the
        // faults of the requests after it.
        let roll = self.rng.u8(0..100);
        let pick = self.rng.usize(0..self.kinds.len().max(1));
        (roll < self.percent).then(|| self.kinds.get(pick).cloned())?
    }
}
