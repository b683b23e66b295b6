//! Writing a skeleton postmortem for aftercare new.
