//! The OpenAPI document as served: utoipa's output, completed with what holds for every route
//! and is therefore declared once here instead of on 44 handlers:
//!
//! - the error answers each kind of operation can give (401 with `WWW-Authenticate` on every
//!   authenticated operation; 400, 413, 415 and 422 on every operation with a body; 422 on every
//!   operation with query parameters; 400 on every operation with path parameters), and the
//!   `Retry-After` header on every 429 and 503;
//! - no security requirement on the routes that need none (registering, signing in and out);
//! - a description on every operation;
//! - the gateway's frames as named schemas (`HelloEvent`, `MessageCreateEvent`...) under a
//!   `oneOf` with a discriminator on `type`.

use serde_json::{Map, Value, json};

/// Operations anyone may call: the document says they need no credentials.
const PUBLIC_OPERATIONS: [&str; 3] = ["register", "login", "logout"];

/// The finished document.
pub fn document(openapi: &utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(openapi).unwrap_or_else(|_| json!({}));
    add_shared_responses(&mut doc);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, operation) in item.iter_mut() {
                if matches!(
                    method.as_str(),
                    "get" | "put" | "post" | "delete" | "patch" | "head" | "options"
                ) {
                    complete_operation(operation);
                }
            }
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        name_tagged_variants(schemas, "ServerEvent", "Event");
        name_tagged_variants(schemas, "ClientEvent", "Frame");
        restrict_server_channel_kinds(schemas);
    }
    doc
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

fn retry_after_header() -> Value {
    json!({
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1}
    })
}

fn add_shared_responses(doc: &mut Value) {
    let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) else {
        return;
    };
    let responses = components
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(responses) = responses else { return };
    let mut unauthorized = error_response(
        "`unauthorized`: no valid session cookie or bearer token came with the request.",
    );
    unauthorized["headers"] = json!({
        "WWW-Authenticate": {
            "description": "`Bearer realm=\"parley\"`, and a second challenge naming the \
                `parley_session` cookie.",
            "schema": {"type": "string"}
        }
    });
    responses.insert("Unauthorized".into(), unauthorized);
    responses.insert(
        "MalformedRequest".into(),
        error_response(
            "`malformed_request`: the body is not JSON, or a path segment (an id) does not parse.",
        ),
    );
    responses.insert(
        "PayloadTooLarge".into(),
        error_response("`payload_too_large`: the body is larger than the operation accepts."),
    );
    responses.insert(
        "UnsupportedMediaType".into(),
        error_response(
            "`unsupported_media_type`: the body is not labelled as the operation expects.",
        ),
    );
    responses.insert(
        "ValidationFailed".into(),
        error_response(
            "`validation_failed`: a field or query parameter is missing, of the wrong type, or \
             breaks a rule; `fields` names each.",
        ),
    );
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/responses/{name}")})
}

fn complete_operation(operation: &mut Value) {
    let Some(op) = operation.as_object_mut() else {
        return;
    };
    let id = op
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let public = PUBLIC_OPERATIONS.contains(&id.as_str());
    if public {
        op.insert("security".into(), json!([]));
    }
    if !op.contains_key("description")
        && let Some(summary) = op.get("summary").cloned()
    {
        op.insert("description".into(), summary);
    }
    let has_body = op.contains_key("requestBody");
    let parameters: Vec<String> = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p.get("in").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(responses) = responses else { return };
    let mut add = |status: &str, name: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| reference(name));
    };
    if !public {
        add("401", "Unauthorized");
    }
    if has_body {
        add("400", "MalformedRequest");
        add("413", "PayloadTooLarge");
        add("415", "UnsupportedMediaType");
        add("422", "ValidationFailed");
    }
    if parameters.iter().any(|p| p == "query") {
        add("422", "ValidationFailed");
    }
    if parameters.iter().any(|p| p == "path") {
        add("400", "MalformedRequest");
    }
    for status in ["429", "503"] {
        if let Some(response) = responses.get_mut(status).and_then(Value::as_object_mut) {
            response
                .entry("headers")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .map(|h| h.insert("Retry-After".into(), retry_after_header()));
        }
    }
}

/// Turns a `#[serde(tag = "type")]` enum's inline variants into named schemas (`hello` becomes
/// `HelloEvent`) and says which one a `type` value means.
fn name_tagged_variants(schemas: &mut Map<String, Value>, name: &str, suffix: &str) {
    let Some(variants) = schemas
        .get(name)
        .and_then(|s| s.get("oneOf"))
        .and_then(Value::as_array)
        .cloned()
    else {
        return;
    };
    let mut refs = Vec::new();
    let mut mapping = Map::new();
    for variant in variants {
        let Some(tag) = variant
            .pointer("/properties/type/enum/0")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            refs.push(variant);
            continue;
        };
        let schema_name = format!("{}{suffix}", pascal_case(&tag));
        let target = format!("#/components/schemas/{schema_name}");
        mapping.insert(tag, Value::String(target.clone()));
        refs.push(json!({"$ref": target}));
        schemas.insert(schema_name, variant);
    }
    if let Some(schema) = schemas.get_mut(name).and_then(Value::as_object_mut) {
        schema.insert("oneOf".into(), Value::Array(refs));
        schema.insert(
            "discriminator".into(),
            json!({"propertyName": "type", "mapping": mapping}),
        );
    }
}

fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A server channel is text, audio or video; conversations are made elsewhere, and the route
/// refuses their kinds. The shared `ChannelKind` has all five, so the request says which three.
fn restrict_server_channel_kinds(schemas: &mut Map<String, Value>) {
    if let Some(kind) = schemas
        .get_mut("CreateChannelRequest")
        .and_then(|s| s.pointer_mut("/properties/kind"))
    {
        *kind = json!({
            "type": "string",
            "enum": ["text", "audio", "video"],
            "description": "Servers have text, audio and video channels."
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_variants_become_named_schemas_with_a_discriminator() {
        let mut schemas = Map::new();
        schemas.insert(
            "ServerEvent".into(),
            json!({"oneOf": [
                {"type": "object", "properties": {"type": {"type": "string", "enum": ["heartbeat_ack"]}}}
            ]}),
        );
        name_tagged_variants(&mut schemas, "ServerEvent", "Event");
        assert!(schemas.contains_key("HeartbeatAckEvent"));
        assert_eq!(
            schemas["ServerEvent"]["discriminator"]["mapping"]["heartbeat_ack"],
            "#/components/schemas/HeartbeatAckEvent"
        );
    }
}
