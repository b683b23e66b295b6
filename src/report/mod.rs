//! Reports of the status: text, JSON and Markdown.
