//! An emulator's record of its requests and the test's controls over how they go: the log,
//! the request count, scripted and random faults, latency. A test reaches these through its
//! emulator handle (which dereferences to the [`Recorder`]); the server numbers, strikes and
//! logs each request here.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::LoggedRequest;
use super::fault::{self, Fault, FaultKind, RandomFaults};
use super::listener::Ending;

/// What the recorder holds, behind its lock.
#[derive(Debug, Default)]
pub struct Record {
    pub faults: Faults,
    pub latency: Duration,
    pub log: Vec<LoggedRequest>,
    /// How many requests arrived so far; the next one gets this number plus one.
    pub received: u64,
}

/// The faults of one emulator: scripted ones first, then a seeded random share.
#[derive(Debug, Default)]
pub struct Faults {
    /// Injected and not yet fired, in injection order.
    pub scripted: Vec<Fault>,
    pub random: Option<RandomFaults>,
}

impl Faults {
    /// The fault striking `entry` (recorded in it), if any.
    pub fn strike(&mut self, entry: &mut LoggedRequest) {
        let scripted = fault::take(&mut self.scripted, &entry.method, &entry.path, entry.number);
        // Drawn for every request, so that scripted faults do not shift the random ones.
        let random = self.random.as_mut().and_then(RandomFaults::draw);
        entry.fault = scripted.or(random);
    }
}

/// How the fault of `entry` ends the request before it is handled: dropped or stalled
/// (marked in the entry), or `None` when the request goes on.
pub fn ends_before_handling(entry: &mut LoggedRequest) -> Option<Ending> {
    match entry.fault {
        Some(FaultKind::DropConnection) => {
            entry.dropped = true;
            Some(Ending::Drop)
        }
        Some(FaultKind::Stall) => {
            entry.stalled = true;
            Some(Ending::Stall)
        }
        _ => None,
    }
}

/// How the fault of a handled `entry` ends it: the connection cut or held (marked in the
/// entry), or an answer, with the error status to send instead of the handling's result.
pub fn ends_after_handling(entry: &mut LoggedRequest) -> (Ending, Option<u16>) {
    match entry.fault {
        Some(FaultKind::DropAfterWrite) => {
            entry.dropped = true;
            (Ending::Drop, None)
        }
        Some(FaultKind::StallAfterWrite) => {
            entry.stalled = true;
            (Ending::Stall, None)
        }
        Some(FaultKind::StatusAfterWrite(status)) => (Ending::Answer, Some(status)),
        _ => (Ending::Answer, None),
    }
}

/// The request log and fault controls of one emulator.
#[derive(Debug, Default)]
pub struct Recorder {
    inner: Mutex<Record>,
}

impl Recorder {
    /// The record; a test that panicked while holding it does not poison it for others.
    pub fn lock(&self) -> MutexGuard<'_, Record> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.lock().log.clone()
    }

    /// How many logged requests have `method` and a path ending with `path_suffix`.
    pub fn count(&self, method: &str, path_suffix: &str) -> usize {
        self.lock()
            .log
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.ends_with(path_suffix))
            .count()
    }

    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }

    /// Scripts a fault; faults fire in the order they were injected.
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.scripted.push(fault);
    }

    /// Faults injected but not yet fired.
    pub fn pending_faults(&self) -> Vec<Fault> {
        self.lock().faults.scripted.clone()
    }

    /// From now on, strikes a seeded share of all requests with random faults (see
    /// [`RandomFaults::new`]; a scripted fault takes precedence); `None` stops them.
    pub fn set_random_faults(&self, faults: Option<RandomFaults>) {
        self.lock().faults.random = faults;
    }

    /// The first request held open without an answer, once it has arrived.
    pub fn stalled_request(&self) -> Option<LoggedRequest> {
        self.lock().log.iter().find(|r| r.stalled).cloned()
    }

    /// Delays every answer by `d`.
    pub fn set_latency(&self, d: Duration) {
        self.lock().latency = d;
    }
}
