//! An emulator's answer before it becomes an HTTP response: a status, a JSON value or bytes
//! already written, extra headers; and its response, given the headers the tracker puts on
//! every answer.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Response, StatusCode};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    /// The body already written (to compute an ETag once, or plain text).
    pub serialized: Option<Vec<u8>>,
    /// The content type of `serialized` when it is not the tracker's JSON.
    pub content_type: Option<&'static str>,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            serialized: None,
            content_type: None,
            headers: Vec::new(),
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: None,
            serialized: None,
            content_type: None,
            headers: Vec::new(),
        }
    }

    /// A plain-text body.
    pub fn text(status: u16, text: &str) -> Reply {
        Reply {
            serialized: Some(text.as_bytes().to_vec()),
            content_type: Some("text/plain"),
            ..Reply::empty(status)
        }
    }

    pub fn with_header(mut self, name: &str, value: String) -> Reply {
        self.headers.push((name.to_string(), value));
        self
    }

    /// The HTTP response: `common` headers first, then the content type (`json_type` for a
    /// JSON body), then the reply's own headers.
    pub fn into_response(self, common: Vec<(String, String)>, json_type: &str) -> Response<Body> {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let content_type = match (&self.serialized, &self.body) {
            (None, None) => None,
            _ => Some(self.content_type.unwrap_or(json_type).to_string()),
        };
        let body = match (self.serialized, &self.body) {
            (Some(bytes), _) => Body::from(bytes),
            (None, Some(value)) => Body::from(serde_json::to_vec(value).unwrap_or_default()),
            (None, None) => Body::empty(),
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let mut headers = common;
        if let Some(content_type) = content_type {
            headers.push(("content-type".to_string(), content_type));
        }
        headers.extend(self.headers);
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                response.headers_mut().append(name, value);
            }
        }
        response
    }
}
