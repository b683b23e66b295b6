//! Loading postmortem files into the validated model, with every problem found.
