//! Checks JSON against a tracker's OpenAPI 3.0 description (GitHub's, GitLab's): the required
//! properties and the types of a response schema, following `$ref`, `nullable`,
//! `allOf`/`anyOf`/`oneOf`, arrays, objects, `enum` and `date-time` strings.
//!
//! It reads the description it is given and nothing else; finding the file (the
//! `AFTERCARE_OPENAPI` or `AFTERCARE_GITLAB_OPENAPI` variable) is the test's business. It is a
//! checker of shapes, not a full JSON Schema validator: `oneOf` is satisfied by any matching
//! branch, as GitHub's branches overlap (`private-user` is a superset of `public-user`).
//!
//! A description looser than the answers it describes is checked with a [`Leniency`] that
//! names each way it is loose; [`check`] trusts the description as written.

use std::io::Write;

use serde_json::Value;

/// The description named by the environment variable `var` (JSON, or YAML unless the path
/// ends in `.json`); `None`, and a plain note on stderr, when it is not set. A path that
/// cannot be read or parsed fails the test.
pub fn description_from_env(var: &str) -> Option<Value> {
    let Some(path) = std::env::var_os(var) else {
        // Written to the stream itself, not through the test harness's captured `println!`,
        // so the skip shows in every run and not only in failing ones.
        let _ = writeln!(std::io::stderr(), "skipped: {var} is not set");
        return None;
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{var} is set to {path:?}, which cannot be read: {e}"));
    let parsed = if path.to_string_lossy().ends_with(".json") {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    } else {
        serde_yaml::from_str(&text).map_err(|e| e.to_string())
    };
    Some(parsed.unwrap_or_else(|e| panic!("{var}: {path:?} is not an OpenAPI description: {e}")))
}

/// The operations of the description: `(method, path template)`, e.g. `("get", "/user")`.
pub fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if let Some(item) = item.as_object() {
                for method in item.keys() {
                    if ["get", "post", "patch", "put", "delete"].contains(&method.as_str()) {
                        out.push((method.clone(), path.clone()));
                    }
                }
            }
        }
    }
    out
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> Result<&'a Value, String> {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference
                .strip_prefix('#')
                .ok_or_else(|| format!("external $ref {reference}"))?;
            let target = doc
                .pointer(pointer)
                .ok_or_else(|| format!("unresolved $ref {reference}"))?;
            resolve(doc, target)
        }
        None => Ok(value),
    }
}

/// The JSON schema of the response `status` of `method path`, if the description has one.
pub fn response_schema<'a>(
    doc: &'a Value,
    method: &str,
    path: &str,
    status: u16,
) -> Result<Option<&'a Value>, String> {
    let operation = doc
        .get("paths")
        .and_then(|p| p.get(path))
        .and_then(|p| p.get(method))
        .ok_or_else(|| format!("the description has no {method} {path}"))?;
    let response = operation
        .get("responses")
        .and_then(|r| r.get(status.to_string()))
        .ok_or_else(|| format!("{method} {path} documents no {status} response"))?;
    let response = resolve(doc, response)?;
    Ok(response
        .get("content")
        .and_then(|c| c.get("application/json"))
        .and_then(|c| c.get("schema")))
}

/// Every way `value` breaks `schema`, each as `path: problem`; empty when it conforms.
pub fn check(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    check_leniently(doc, schema, value, &Leniency::default())
}

/// [`check`], forgiving the ways `leniency` says the description is loose.
pub fn check_leniently(
    doc: &Value,
    schema: &Value,
    value: &Value,
    leniency: &Leniency,
) -> Vec<String> {
    let mut errors = Vec::new();
    let checker = Checker { doc, leniency };
    checker.check_at(schema, value, "$", &mut errors);
    errors
}

/// The ways a description is known to be looser than (or to differ from) the real answers.
#[derive(Debug, Clone, Default)]
pub struct Leniency {
    /// `null` is accepted for any property: the description marks nothing `nullable` although
    /// real answers carry `null`.
    pub null_anywhere: bool,
    /// An array is accepted where an object schema stands, each item checked against that
    /// schema: the description declares a list (or a list field) as one entity.
    pub lists_as_one_entity: bool,
    /// Single properties whose real type differs from the declared one.
    pub deviations: Vec<Deviation>,
}

/// One property of a named component schema that real answers give another JSON type:
/// `access_level` of `APIEntitiesMember` is declared a string, GitLab sends an integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    /// The component's name, the last part of its `$ref`.
    pub schema: &'static str,
    pub property: &'static str,
    /// The JSON type accepted instead: `"integer"`, `"string"`, ...
    pub found: &'static str,
}

/// A description with the leniency it is read with.
struct Checker<'a> {
    doc: &'a Value,
    leniency: &'a Leniency,
}

fn accepts_null(doc: &Value, schema: &Value) -> bool {
    let Ok(schema) = resolve(doc, schema) else {
        return false;
    };
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        return true;
    }
    match schema.get("type") {
        Some(Value::String(t)) => return t == "null",
        Some(Value::Array(types)) => return types.iter().any(|t| t == "null"),
        _ => {}
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            return branches.iter().any(|b| accepts_null(doc, b));
        }
    }
    if let Some(branches) = schema.get("allOf").and_then(Value::as_array) {
        return branches.iter().all(|b| accepts_null(doc, b));
    }
    // A schema without a type or combinator constrains nothing.
    schema.get("properties").is_none() && schema.get("enum").is_none()
}

fn type_matches(expected: &str, value: &Value) -> bool {
    match expected {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => true,
    }
}

impl Checker<'_> {
    fn check_at(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let doc = self.doc;
        let schema_name = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next());
        let schema = match resolve(doc, schema) {
            Ok(s) => s,
            Err(e) => {
                errors.push(format!("{at}: {e}"));
                return;
            }
        };
        if value.is_null() {
            if !self.leniency.null_anywhere && !accepts_null(doc, schema) {
                errors.push(format!("{at}: null where the schema does not allow it"));
            }
            return;
        }
        if let Some(branches) = schema.get("allOf").and_then(Value::as_array) {
            for branch in branches {
                self.check_at(branch, value, at, errors);
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                let results: Vec<Vec<String>> = branches
                    .iter()
                    .map(|b| {
                        let mut found = Vec::new();
                        self.check_at(b, value, "$", &mut found);
                        found
                    })
                    .collect();
                if !results.iter().any(Vec::is_empty) {
                    let detail: Vec<String> = results.into_iter().flatten().take(6).collect();
                    errors.push(format!(
                        "{at}: matches no branch of {key}: {}",
                        detail.join("; ")
                    ));
                }
            }
        }
        if let (true, Some(Value::String(t)), Some(items)) = (
            self.leniency.lists_as_one_entity,
            schema.get("type"),
            value.as_array(),
        ) {
            if t == "object" {
                for (i, item) in items.iter().enumerate() {
                    self.check_at(schema, item, &format!("{at}[{i}]"), errors);
                }
                return;
            }
        }
        match schema.get("type") {
            Some(Value::String(t)) if !type_matches(t, value) => {
                errors.push(format!("{at}: expected {t}, found {value}"));
                return;
            }
            Some(Value::Array(types))
                if !types
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|t| type_matches(t, value)) =>
            {
                errors.push(format!("{at}: expected one of {types:?}, found {value}"));
                return;
            }
            _ => {}
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            if !options.contains(value) {
                errors.push(format!("{at}: {value} is not one of {options:?}"));
            }
        }
        if let (Some("date-time"), Some(text)) =
            (schema.get("format").and_then(Value::as_str), value.as_str())
        {
            if chrono::DateTime::parse_from_rfc3339(text).is_err() {
                errors.push(format!("{at}: {text:?} is not a date-time"));
            }
        }
        if let Some(object) = value.as_object() {
            if let Some(required) = schema.get("required").and_then(Value::as_array) {
                for name in required.iter().filter_map(Value::as_str) {
                    if !object.contains_key(name) {
                        errors.push(format!("{at}: missing required property {name:?}"));
                    }
                }
            }
            let properties = schema.get("properties").and_then(Value::as_object);
            for (name, item) in object {
                let at = format!("{at}.{name}");
                let deviates = self.leniency.deviations.iter().any(|d| {
                    Some(d.schema) == schema_name
                        && d.property == name
                        && type_matches(d.found, item)
                });
                match properties.and_then(|p| p.get(name)) {
                    Some(_) if deviates => {}
                    Some(property) => self.check_at(property, item, &at, errors),
                    None => {
                        if let Some(extra) =
                            schema.get("additionalProperties").filter(|a| a.is_object())
                        {
                            self.check_at(extra, item, &at, errors);
                        }
                    }
                }
            }
        }
        if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
            for (i, item) in array.iter().enumerate() {
                self.check_at(items, item, &format!("{at}[{i}]"), errors);
            }
        }
    }
}
