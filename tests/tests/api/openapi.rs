//! The OpenAPI document is one generators accept: it parses as OpenAPI 3.1, operation ids are
//! unique, every reference resolves, and it declares what the server does (errors, security,
//! rules, the multipart upload, the gateway's frames). `cargo xtask test` also runs
//! schemathesis against a live server.

use std::collections::{BTreeMap, BTreeSet};

use parley_tests::TestApp;
use serde_json::Value;

async fn document() -> anyhow::Result<Value> {
    let app = TestApp::spawn().await?;
    let text = app
        .client()
        .get("/api/v1/openapi.json")
        .await?
        .text()
        .await?;
    oas3::from_json(&text).map_err(|e| anyhow::anyhow!("not a valid OpenAPI 3.1 document: {e}"))?;
    Ok(serde_json::from_str(&text)?)
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            found.push((method.clone(), path.clone(), operation));
        }
    }
    found
}

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push(target);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_is_valid_with_unique_operation_ids_and_resolvable_refs()
-> anyhow::Result<()> {
    let doc = document().await?;
    let mut ids = BTreeMap::new();
    for (method, path, operation) in operations(&doc) {
        let id = operation["operationId"].as_str().unwrap_or_default();
        assert!(!id.is_empty(), "{method} {path} has an operationId");
        if let Some(other) = ids.insert(id.to_owned(), format!("{method} {path}")) {
            panic!("operationId {id} is used by {other} and {method} {path}");
        }
        assert!(
            operation["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{method} {path} has a description"
        );
    }
    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    let unresolved: BTreeSet<_> = targets
        .into_iter()
        .filter(|t| {
            t.strip_prefix('#')
                .and_then(|pointer| doc.pointer(pointer))
                .is_none()
        })
        .collect();
    assert!(unresolved.is_empty(), "unresolved: {unresolved:?}");
    Ok(())
}

#[tokio::test]
async fn the_openapi_document_declares_errors_security_and_rules() -> anyhow::Result<()> {
    let doc = document().await?;
    for (method, path, operation) in operations(&doc) {
        let id = operation["operationId"].as_str().unwrap_or_default();
        let responses = &operation["responses"];
        let public = ["register", "login", "logout"].contains(&id);
        if public {
            assert_eq!(
                operation["security"],
                serde_json::json!([]),
                "{id} is public"
            );
        } else {
            assert!(responses["401"].is_object(), "{method} {path} declares 401");
        }
        if operation.get("requestBody").is_some() {
            for status in ["400", "413", "415", "422"] {
                assert!(
                    responses[status].is_object(),
                    "{method} {path} declares {status}"
                );
            }
        }
        for status in ["429", "503"] {
            if let Some(response) = responses.get(status) {
                assert!(
                    response["headers"]["Retry-After"].is_object(),
                    "{method} {path}: {status} has Retry-After"
                );
            }
        }
    }
    let send = &doc["paths"]["/api/v1/channels/{channel_id}/messages"]["post"];
    assert!(send["responses"]["429"].is_object());
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["SendMessageRequest"]["properties"]["content"]["maxLength"],
        4000
    );
    assert_eq!(
        schemas["RegisterRequest"]["properties"]["username"]["minLength"],
        3
    );
    assert_eq!(
        schemas["CreateChannelRequest"]["properties"]["kind"]["enum"],
        serde_json::json!(["text", "audio", "video"])
    );
    let list = &doc["paths"]["/api/v1/channels/{channel_id}/messages"]["get"]["parameters"];
    let limit = list
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "limit"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 100);

    // The icon upload is a multipart form with a binary `icon`.
    let upload = &doc["paths"]["/api/v1/servers/{server_id}/icon"]["put"]["requestBody"]["content"];
    let form = &upload["multipart/form-data"]["schema"];
    let form = match form["$ref"].as_str() {
        Some(target) => doc
            .pointer(target.trim_start_matches('#'))
            .cloned()
            .unwrap_or_default(),
        None => form.clone(),
    };
    assert!(form["properties"]["icon"].is_object(), "{form}");

    // Gateway frames: named schemas under a discriminator on `type`.
    for (name, tag, variant) in [
        ("ServerEvent", "message_create", "MessageCreateEvent"),
        ("ClientEvent", "send_message", "SendMessageFrame"),
    ] {
        assert_eq!(schemas[name]["discriminator"]["propertyName"], "type");
        assert_eq!(
            schemas[name]["discriminator"]["mapping"][tag],
            format!("#/components/schemas/{variant}")
        );
        assert!(schemas[variant].is_object(), "{variant}");
    }
    Ok(())
}
