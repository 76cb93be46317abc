use parley_shared::ErrorCode;
use parley_shared::servers::{Channel, ChannelKind};
use parley_tests::client::{expect_error, expect_json};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn moderators_and_admins_manage_channels_and_guests_cannot() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (admin, _) = a_user(&app).await?;
    let (moderator, moderator_user) = a_user(&app).await?;
    let (guest, _) = a_user(&app).await?;
    let server = admin.create_server("Club").await?;
    let id = server.server.id;
    moderator.join_via(&admin, id).await?;
    guest.join_via(&admin, id).await?;
    admin.set_role(id, moderator_user.id, "moderator").await?;

    let response = guest
        .post(
            &format!("/api/v1/servers/{id}/channels"),
            &json!({"name": "mine", "kind": "text"}),
        )
        .await?;
    assert_eq!(
        expect_error(response, StatusCode::FORBIDDEN).await?.error,
        ErrorCode::Forbidden
    );
    let general = server.channels[0].id;
    expect_error(
        guest
            .patch(
                &format!("/api/v1/channels/{general}"),
                &json!({"topic": "x"}),
            )
            .await?,
        StatusCode::FORBIDDEN,
    )
    .await?;

    for (who, name) in [(&admin, "From Admin"), (&moderator, "From Mod")] {
        let response = who
            .post(
                &format!("/api/v1/servers/{id}/channels"),
                &json!({"name": name, "kind": "text"}),
            )
            .await?;
        let channel: Channel = expect_json(response, StatusCode::CREATED).await?;
        assert_eq!(channel.name, name.to_lowercase().replace(' ', "-"));
        let deleted = who
            .delete(&format!("/api/v1/channels/{}", channel.id))
            .await?;
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    }
    let response = moderator
        .post(
            &format!("/api/v1/servers/{id}/channels"),
            &json!({"name": "keep", "kind": "text"}),
        )
        .await?;
    let keep: Channel = expect_json(response, StatusCode::CREATED).await?;
    expect_error(
        guest
            .delete(&format!("/api/v1/channels/{}", keep.id))
            .await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    let list: Vec<Channel> = expect_json(
        guest.get(&format!("/api/v1/servers/{id}/channels")).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(
        list.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["general", "keep"]
    );
    Ok(())
}

#[tokio::test]
async fn channel_kinds_names_and_topics() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (admin, _) = a_user(&app).await?;
    let server = admin.create_server("Club").await?;
    let path = format!("/api/v1/servers/{}/channels", server.server.id);

    let voice: Channel = expect_json(
        admin
            .post(&path, &json!({"name": " Lounge  Room ", "kind": "audio"}))
            .await?,
        StatusCode::CREATED,
    )
    .await?;
    assert_eq!(
        (voice.name.as_str(), voice.kind),
        ("Lounge Room", ChannelKind::Audio)
    );
    let video: Channel = expect_json(
        admin
            .post(
                &path,
                &json!({"name": "Stage", "kind": "video", "topic": "Talks"}),
            )
            .await?,
        StatusCode::CREATED,
    )
    .await?;
    assert_eq!(
        (video.kind, video.topic.as_deref()),
        (ChannelKind::Video, Some("Talks"))
    );
    assert_eq!(
        (voice.position, video.position),
        (1, 2),
        "new channels go last"
    );

    let taken = admin
        .post(&path, &json!({"name": "General", "kind": "text"}))
        .await?;
    let error = expect_error(taken, StatusCode::CONFLICT).await?;
    assert_eq!(error.error, ErrorCode::ChannelNameTaken);
    assert!(error.fields.contains_key("name"));

    for bad in [
        json!({"name": "", "kind": "text"}),
        json!({"name": "x".repeat(101), "kind": "text"}),
    ] {
        let error = expect_error(
            admin.post(&path, &bad).await?,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await?;
        assert!(error.fields.contains_key("name"), "{bad}");
    }
    let error = expect_error(
        admin
            .post(&path, &json!({"name": "x", "kind": "forum"}))
            .await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert!(error.fields.contains_key("kind"), "{error:?}");
    for kind in ["dm", "group_dm"] {
        let response = admin
            .post(&path, &json!({"name": "sneaky", "kind": kind}))
            .await?;
        let error = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
        assert!(
            error.fields.contains_key("kind"),
            "servers have no {kind} channels"
        );
    }

    let renamed: Channel = expect_json(
        admin
            .patch(
                &format!("/api/v1/channels/{}", video.id),
                &json!({"name": "Main Stage", "topic": ""}),
            )
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!((renamed.name.as_str(), renamed.topic), ("Main Stage", None));
    let clash = admin
        .patch(
            &format!("/api/v1/channels/{}", video.id),
            &json!({"name": "Lounge Room"}),
        )
        .await?;
    expect_error(clash, StatusCode::CONFLICT).await?;
    Ok(())
}

#[tokio::test]
async fn channels_are_reordered_by_moving_one() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (admin, _) = a_user(&app).await?;
    let server = admin.create_server("Club").await?;
    let path = format!("/api/v1/servers/{}/channels", server.server.id);
    for name in ["a", "b", "c"] {
        admin
            .post(&path, &json!({"name": name, "kind": "text"}))
            .await?;
    }
    let list: Vec<Channel> = expect_json(admin.get(&path).await?, StatusCode::OK).await?;
    let c = list
        .iter()
        .find(|ch| ch.name == "c")
        .map(|ch| ch.id)
        .unwrap_or_default();
    let moved: Channel = expect_json(
        admin
            .patch(&format!("/api/v1/channels/{c}"), &json!({"position": 0}))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(moved.position, 0);
    let list: Vec<Channel> = expect_json(admin.get(&path).await?, StatusCode::OK).await?;
    let order: Vec<_> = list
        .iter()
        .map(|ch| (ch.name.as_str(), ch.position))
        .collect();
    assert_eq!(order, [("c", 0), ("general", 1), ("a", 2), ("b", 3)]);

    let error = expect_error(
        admin
            .patch(&format!("/api/v1/channels/{c}"), &json!({"position": -1}))
            .await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert!(error.fields.contains_key("position"));
    Ok(())
}

#[tokio::test]
async fn the_default_channel_cannot_be_deleted() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (admin, _) = a_user(&app).await?;
    let server = admin.create_server("Club").await?;
    let general = server.channels[0].id;
    let error = expect_error(
        admin.delete(&format!("/api/v1/channels/{general}")).await?,
        StatusCode::CONFLICT,
    )
    .await?;
    assert_eq!(error.error, ErrorCode::DefaultChannel);
    // Renamed, it is still the default.
    admin
        .patch(
            &format!("/api/v1/channels/{general}"),
            &json!({"name": "lobby"}),
        )
        .await?;
    expect_error(
        admin.delete(&format!("/api/v1/channels/{general}")).await?,
        StatusCode::CONFLICT,
    )
    .await?;
    Ok(())
}
