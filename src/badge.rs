//! The shields.io-style SVG badge and its endpoint JSON.
