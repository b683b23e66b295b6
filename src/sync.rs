//! Applying a plan to the tracker: pacing, retries and resuming.
