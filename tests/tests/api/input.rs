//! Bad input of any kind gets a clear error in the one shape, never a 500: text no database
//! can store, bodies of the wrong shape, query strings that do not parse, wildcard searches.

use parley_shared::ErrorCode;
use parley_shared::messages::{Message, Page};
use parley_shared::users::User;
use parley_tests::client::{PASSWORD, expect_error, expect_json};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;

/// The error of a response that must be a 422 naming `field`.
async fn names_field(response: reqwest::Response, field: &str) -> anyhow::Result<()> {
    let error = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
    assert_eq!(error.error, ErrorCode::ValidationFailed);
    assert!(
        error.fields.contains_key(field),
        "{field} is named: {error:?}"
    );
    Ok(())
}

#[tokio::test]
async fn text_with_a_nul_is_refused_naming_the_field_everywhere() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Nul").await?;
    let channel = server.channels[0].id;

    // Unauthenticated: the login itself.
    let response = app
        .client()
        .post(
            "/api/v1/auth/login",
            &json!({"login": "ada\u{0}", "password": PASSWORD}),
        )
        .await?;
    names_field(response, "login").await?;

    let messages = format!("/api/v1/channels/{channel}/messages");
    let response = alice
        .post(
            &messages,
            &json!({"content": "hi\u{0}there", "nonce": "n1"}),
        )
        .await?;
    names_field(response, "content").await?;
    let response = alice
        .post(&messages, &json!({"content": "hi", "nonce": "n\u{0}"}))
        .await?;
    names_field(response, "nonce").await?;
    let response = alice
        .post("/api/v1/users/@me/tokens", &json!({"name": "bot\u{0}"}))
        .await?;
    names_field(response, "name").await?;
    let response = alice
        .patch(
            &format!("/api/v1/channels/{channel}"),
            &json!({"topic": "a\u{0}b"}),
        )
        .await?;
    names_field(response, "topic").await?;
    // Other control characters are refused in one-line text, kept as line breaks in messages.
    let response = alice
        .patch(
            &format!("/api/v1/channels/{channel}"),
            &json!({"topic": "bell\u{7}"}),
        )
        .await?;
    names_field(response, "topic").await?;
    let sent: Message = expect_json(
        alice
            .post(
                &messages,
                &json!({"content": "line one\nline two\ttabbed", "nonce": "n2"}),
            )
            .await?,
        StatusCode::CREATED,
    )
    .await?;
    assert_eq!(sent.content, "line one\nline two\ttabbed");

    // Query strings and path segments too.
    names_field(alice.get("/api/v1/users/search?q=ab%00").await?, "q").await?;
    names_field(alice.get("/api/v1/servers/discover?q=%00x").await?, "q").await?;
    names_field(alice.get("/api/v1/invites/abc%00def").await?, "code").await?;
    names_field(
        alice.post("/api/v1/invites/abc%00def", &json!({})).await?,
        "code",
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_json_array_is_not_accepted_where_an_object_is_declared() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let response = app
        .client()
        .post(
            "/api/v1/auth/register",
            &json!(["arrayuser", "Array", PASSWORD, null]),
        )
        .await?;
    let error = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
    assert_eq!(error.error, ErrorCode::ValidationFailed);
    let (alice, _) = a_user(&app).await?;
    let response = alice
        .post("/api/v1/servers", &json!(["Positional"]))
        .await?;
    expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
    Ok(())
}

#[tokio::test]
async fn wrongly_typed_fields_and_parameters_are_named() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let (bob, bob_user) = a_user(&app).await?;
    let server = alice.create_server("Types").await?;
    let id = server.server.id;
    bob.join_via(&alice, id).await?;
    for role in [json!("king"), json!(5), json!(null)] {
        let response = alice
            .patch(
                &format!("/api/v1/servers/{id}/members/{}", bob_user.id),
                &json!({ "role": role }),
            )
            .await?;
        names_field(response, "role").await?;
    }
    let response = alice
        .post(
            &format!("/api/v1/servers/{id}/channels"),
            &json!({"name": "x", "kind": 3}),
        )
        .await?;
    names_field(response, "kind").await?;

    let channel = server.channels[0].id;
    names_field(
        alice
            .get(&format!("/api/v1/channels/{channel}/messages?limit=many"))
            .await?,
        "limit",
    )
    .await?;
    names_field(
        alice
            .get(&format!("/api/v1/channels/{channel}/events?after_seq=x"))
            .await?,
        "after_seq",
    )
    .await?;
    names_field(
        alice
            .get(&format!("/api/v1/channels/{channel}/events"))
            .await?,
        "after_seq",
    )
    .await?;
    names_field(alice.get("/api/v1/users/search").await?, "q").await?;
    Ok(())
}

#[tokio::test]
async fn wildcards_do_not_get_around_the_search_minimum() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    for _ in 0..3 {
        a_user(&app).await?;
    }
    for q in ["%25%25", "__", "%5C%25", "%25_"] {
        let found: Vec<User> = expect_json(
            alice.get(&format!("/api/v1/users/search?q={q}")).await?,
            StatusCode::OK,
        )
        .await?;
        assert!(found.is_empty(), "{q} matched {found:?}");
    }
    names_field(alice.get("/api/v1/users/search?q=%25").await?, "q").await?;
    // Plain searches still work.
    let found: Vec<User> = expect_json(
        alice.get("/api/v1/users/search?q=user").await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(found.len(), 3);
    let (_, percent) = {
        let client = app.client();
        let body =
            json!({"username": "pct_user", "display_name": "100% real", "password": PASSWORD});
        let user: User = expect_json(
            client.post("/api/v1/auth/register", &body).await?,
            StatusCode::CREATED,
        )
        .await?;
        (client, user)
    };
    let found: Vec<User> = expect_json(
        alice.get("/api/v1/users/search?q=0%25 r").await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(found.iter().map(|u| u.id).collect::<Vec<_>>(), [percent.id]);
    Ok(())
}

#[tokio::test]
async fn unauthorized_answers_say_how_to_authenticate() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let response = app.client().me().await?;
    let challenges: Vec<String> = response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    assert!(
        challenges.iter().any(|c| c.starts_with("Bearer")),
        "{challenges:?}"
    );
    assert!(
        challenges.iter().any(|c| c.contains("parley_session")),
        "{challenges:?}"
    );
    expect_error(response, StatusCode::UNAUTHORIZED).await?;
    Ok(())
}

#[tokio::test]
async fn a_channel_pages_oldest_first_from_its_beginning_with_after_zero() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Start").await?;
    let channel = server.channels[0].id;
    for n in 0..5 {
        alice.send_message(channel, &format!("m{n}")).await?;
    }
    let first: Page<Message> = expect_json(
        alice
            .get(&format!(
                "/api/v1/channels/{channel}/messages?after=0&limit=2"
            ))
            .await?,
        StatusCode::OK,
    )
    .await?;
    let contents: Vec<_> = first.items.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(contents, ["m0", "m1"]);
    let cursor = first.next_cursor.unwrap_or_default();
    let next: Page<Message> = expect_json(
        alice
            .get(&format!(
                "/api/v1/channels/{channel}/messages?after={cursor}&limit=2"
            ))
            .await?,
        StatusCode::OK,
    )
    .await?;
    let contents: Vec<_> = next.items.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(contents, ["m2", "m3"]);
    Ok(())
}
