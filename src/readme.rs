//! Rewriting the status section of a README between its markers.
