use parley_shared::ErrorCode;
use parley_tests::TestApp;
use parley_tests::client::expect_error;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn health_and_readiness_answer() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let client = app.client();
    assert_eq!(client.get("/healthz").await?.status(), StatusCode::OK);
    let ready: Value = client.get("/readyz").await?.json().await?;
    assert_eq!(ready["status"], "ok");
    assert_eq!(ready["database"], app.backend());
    Ok(())
}

#[tokio::test]
async fn every_response_carries_a_request_id() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let response = app.client().get("/api/v1/users/@me").await?;
    let id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    Ok(())
}

#[tokio::test]
async fn the_openapi_document_covers_every_endpoint() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let doc: Value = app
        .client()
        .get("/api/v1/openapi.json")
        .await?
        .json()
        .await?;
    assert_eq!(doc["openapi"], "3.1.0");
    let expected = [
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/users/@me", "get"),
        ("/api/v1/users/@me", "patch"),
        ("/api/v1/users/@me/password", "put"),
        ("/api/v1/users/@me/tokens", "get"),
        ("/api/v1/users/@me/tokens", "post"),
        ("/api/v1/users/@me/tokens/{token_id}", "delete"),
        ("/api/v1/servers", "post"),
        ("/api/v1/servers/{server_id}/icon", "put"),
        ("/api/v1/servers/{server_id}/members/{user_id}", "patch"),
        ("/api/v1/invites/{code}", "post"),
        ("/api/v1/channels/{channel_id}/messages", "post"),
        ("/api/v1/channels/{channel_id}/events", "get"),
        ("/api/v1/users/@me/channels", "post"),
        ("/api/v1/channels/{channel_id}/recipients/{user_id}", "put"),
        ("/api/v1/users/search", "get"),
    ];
    for (path, method) in expected {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
    for schema in [
        "User",
        "RegisterRequest",
        "ErrorBody",
        "ErrorCode",
        "CreatedToken",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} schema"
        );
    }
    Ok(())
}

#[tokio::test]
async fn unknown_api_paths_and_methods_answer_in_the_error_shape() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let error = expect_error(
        app.client().get("/api/v1/nothing/here").await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    assert_eq!(error.error, ErrorCode::NotFound);
    let response = app.client().delete("/api/v1/users/@me").await?;
    let error = expect_error(response, StatusCode::METHOD_NOT_ALLOWED).await?;
    assert_eq!(error.error, ErrorCode::MethodNotAllowed);
    Ok(())
}

#[tokio::test]
async fn the_web_app_is_served_for_client_side_routes() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| {
        let web = c.data_dir.join("web-build");
        let written = std::fs::create_dir_all(&web).and_then(|()| {
            std::fs::write(
                web.join("index.html"),
                "<!doctype html><title>Parley app</title>",
            )?;
            std::fs::write(
                web.join("parley-web-0123456789abcdef.js"),
                "export default 1;",
            )
        });
        assert!(written.is_ok());
        c.web_dir = web;
    })
    .await?;
    let client = app.client();
    for path in ["/", "/login", "/settings/tokens", "/servers/abc/def"] {
        let response = client.get(path).await?;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache");
        assert!(response.text().await?.contains("Parley app"), "{path}");
    }
    let asset = client.get("/parley-web-0123456789abcdef.js").await?;
    assert!(
        asset.headers()["cache-control"]
            .to_str()?
            .contains("immutable")
    );
    Ok(())
}

#[tokio::test]
async fn the_web_app_has_a_strict_content_security_policy_and_precompressed_assets()
-> anyhow::Result<()> {
    let script = "document.documentElement.dataset.theme = 'dark';";
    let app = TestApp::spawn_with(|c| {
        let web = c.data_dir.join("web-build");
        let written = std::fs::create_dir_all(&web).and_then(|()| {
            std::fs::write(
                web.join("index.html"),
                format!("<!doctype html><title>Parley app</title><script>{script}</script>"),
            )?;
            std::fs::write(
                web.join("parley-web-0123456789abcdef_bg.wasm"),
                vec![b'a'; 200_000],
            )
        });
        assert!(written.is_ok());
        c.web_dir = web;
    })
    .await?;
    let client = app.client();
    let page = client.get("/").await?;
    let policy = page.headers()["content-security-policy"]
        .to_str()?
        .to_owned();
    let hash = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script.as_bytes()))
    };
    assert!(
        policy.contains(&format!(
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'"
        )),
        "{policy}"
    );
    for directive in [
        "frame-ancestors 'none'",
        "object-src 'none'",
        &format!("connect-src 'self' ws://{0} wss://{0}", app.addr),
    ] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }

    // The wasm is compressed once, at the best level, and served compressed to browsers that
    // take brotli.
    let compressed = app
        .data_dir()
        .join("web-build/parley-web-0123456789abcdef_bg.wasm.br");
    for _ in 0..100 {
        if compressed.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let wasm = client
        .request(reqwest::Method::GET, "/parley-web-0123456789abcdef_bg.wasm")
        .header("accept-encoding", "br")
        .send()
        .await?;
    assert_eq!(wasm.headers()["content-encoding"], "br");
    let body = wasm.bytes().await?;
    assert!(
        body.len() < 1_000,
        "200 kB of one byte compresses to almost nothing: {}",
        body.len()
    );
    Ok(())
}
