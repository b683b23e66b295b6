//! The hidden marker that ties an issue to its task, and the issue body aftercare writes.
