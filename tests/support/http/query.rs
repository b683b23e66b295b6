//! Query strings and path segments as the emulators read and write them: the raw pairs kept
//! in the client's order (for `Link` headers), decoded lookups, and percent-encoding.

/// The query string as sent (raw pairs, kept for `Link` headers) with decoded lookups.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub raw: Vec<(String, String)>,
}

impl Query {
    pub fn parse(query: &str) -> Query {
        let raw = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (p.to_string(), String::new()),
            })
            .collect();
        Query { raw }
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.raw
            .iter()
            .rev()
            .find(|(k, _)| decode(k) == key)
            .map(|(_, v)| decode(v))
    }

    /// The query with `page` set to `page`: the client's other parameters kept in their order.
    pub fn with_page(&self, page: usize) -> String {
        let mut parts: Vec<String> = self
            .raw
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.push(format!("page={page}"));
        parts.join("&")
    }
}

/// Percent-decodes a query component (`+` is a space).
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes one path segment.
pub fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
