//! The optional aftercare.yml configuration and how it layers with flags.
