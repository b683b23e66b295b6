//! Completion per incident, computed from the model and the issues found.
