//! The GitHub implementation of the tracker, over octocrab.
