use std::collections::HashSet;
use std::time::Duration;

use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::messages::{Message, Page};
use parley_shared::servers::{Channel, ChannelKind, Conversation};
use parley_shared::users::User;
use parley_tests::client::{expect_error, expect_json};
use parley_tests::gateway::Gateway;
use parley_tests::{Client, TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(5);

/// `n` users who all share one server, so they may message each other.
async fn neighbours(app: &TestApp, n: usize) -> anyhow::Result<Vec<(Client, User)>> {
    let mut people = vec![a_user(app).await?];
    let server = people[0].0.create_server("Neighbourhood").await?;
    for _ in 1..n {
        let (client, user) = a_user(app).await?;
        client.join_via(&people[0].0, server.server.id).await?;
        people.push((client, user));
    }
    Ok(people)
}

async fn open(client: &Client, ids: &[Uuid]) -> anyhow::Result<reqwest::Response> {
    client
        .post(
            "/api/v1/users/@me/channels",
            &json!({ "recipient_ids": ids }),
        )
        .await
}

#[tokio::test]
async fn a_pair_gets_one_conversation_whoever_opens_it_even_at_the_same_moment()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let people = neighbours(&app, 2).await?;
    let (a, b) = (&people[0], &people[1]);
    let attempts = (0..6).map(|i| {
        let (client, other) = if i % 2 == 0 {
            (&a.0, b.1.id)
        } else {
            (&b.0, a.1.id)
        };
        async move { open(client, &[other]).await }
    });
    let responses = futures_util::future::join_all(attempts).await;
    let mut ids = HashSet::new();
    let mut created = 0;
    for response in responses {
        let response = response?;
        if response.status() == StatusCode::CREATED {
            created += 1;
        } else {
            assert_eq!(response.status(), StatusCode::OK);
        }
        let channel: Channel = response.json().await?;
        assert_eq!(channel.kind, ChannelKind::Dm);
        assert_eq!(channel.recipients.len(), 2);
        ids.insert(channel.id);
    }
    assert_eq!(ids.len(), 1, "one conversation for the pair");
    assert_eq!(created, 1);
    Ok(())
}

#[tokio::test]
async fn strangers_need_permission_to_start_a_conversation() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let (carol, carol_user) = a_user(&app).await?;
    let error = expect_error(open(&alice, &[carol_user.id]).await?, StatusCode::FORBIDDEN).await?;
    assert_eq!(error.error, ErrorCode::DmNotAllowed);

    let me: User = expect_json(
        carol
            .patch("/api/v1/users/@me", &json!({"allow_dms_from": "everyone"}))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(
        me.allow_dms_from,
        Some(parley_shared::users::AllowDmsFrom::Everyone)
    );
    let response = open(&alice, &[carol_user.id]).await?;
    assert_eq!(response.status(), StatusCode::CREATED);

    let error = expect_error(
        carol
            .patch("/api/v1/users/@me", &json!({"allow_dms_from": "nobody"}))
            .await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert!(error.fields.contains_key("allow_dms_from"), "{error:?}");
    Ok(())
}

#[tokio::test]
async fn bad_recipient_lists_are_refused() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let people = neighbours(&app, 2).await?;
    let (alice, me) = &people[0];
    let other = people[1].1.id;
    for ids in [
        vec![],
        vec![me.id],
        vec![other, other],
        (0..10).map(|_| Uuid::now_v7()).collect(),
    ] {
        let response = open(alice, &ids).await?;
        let error = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
        assert!(
            error.fields.contains_key("recipient_ids"),
            "{ids:?}: {error:?}"
        );
    }
    expect_error(open(alice, &[Uuid::now_v7()]).await?, StatusCode::NOT_FOUND).await?;
    Ok(())
}

#[tokio::test]
async fn only_participants_see_a_conversation_and_its_events() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let people = neighbours(&app, 3).await?;
    let (alice, bob, eve) = (&people[0], &people[1], &people[2]);
    let channel: Channel =
        expect_json(open(&alice.0, &[bob.1.id]).await?, StatusCode::CREATED).await?;
    let mut bobs = Gateway::connect(&bob.0).await?;
    let mut eves = Gateway::connect(&eve.0).await?;

    // Bob hears of the conversation with its first message, and gets the message.
    let first = alice.0.send_message(channel.id, "psst").await?;
    bobs.wait_for(
        WAIT,
        |e| matches!(e, ServerEvent::ChannelCreate { channel: c } if c.id == channel.id),
    )
    .await?;
    bobs.wait_for(
        WAIT,
        |e| matches!(e, ServerEvent::MessageCreate { message, .. } if message.id == first.id),
    )
    .await?;
    eves.expect_none(Duration::from_millis(300), |e| {
        matches!(
            e,
            ServerEvent::MessageCreate { .. } | ServerEvent::ChannelCreate { .. }
        )
    })
    .await?;

    // Eve gets 404 for everything, as if it did not exist.
    let base = format!("/api/v1/channels/{}", channel.id);
    expect_error(
        eve.0.get(&format!("{base}/messages")).await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    expect_error(
        eve.0.get(&format!("{base}/events?after_seq=0")).await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    expect_error(
        eve.0
            .post(
                &format!("{base}/messages"),
                &json!({"content": "hi", "nonce": "e"}),
            )
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    expect_error(
        eve.0
            .patch(
                &format!("{base}/messages/{}", first.id),
                &json!({"content": "x"}),
            )
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    let list: Vec<Conversation> = expect_json(
        eve.0.get("/api/v1/users/@me/channels").await?,
        StatusCode::OK,
    )
    .await?;
    assert!(list.is_empty());

    // In a conversation nobody moderates: Bob cannot delete Alice's message.
    expect_error(
        bob.0
            .delete(&format!("{base}/messages/{}", first.id))
            .await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    let page: Page<Message> = expect_json(
        bob.0.get(&format!("{base}/messages")).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(page.items.len(), 1);
    Ok(())
}

#[tokio::test]
async fn the_list_is_sorted_by_latest_activity_with_a_preview() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let people = neighbours(&app, 3).await?;
    let (alice, bob, carol) = (&people[0], &people[1], &people[2]);
    let with_bob: Channel =
        expect_json(open(&alice.0, &[bob.1.id]).await?, StatusCode::CREATED).await?;
    let with_carol: Channel =
        expect_json(open(&alice.0, &[carol.1.id]).await?, StatusCode::CREATED).await?;
    let list: Vec<Conversation> = expect_json(
        alice.0.get("/api/v1/users/@me/channels").await?,
        StatusCode::OK,
    )
    .await?;
    assert!(
        list.is_empty(),
        "1:1 conversations are listed from their first message"
    );

    alice.0.send_message(with_bob.id, "to bob").await?;
    tokio::time::sleep(Duration::from_millis(5)).await;
    alice.0.send_message(with_carol.id, "to carol").await?;
    let list: Vec<Conversation> = expect_json(
        alice.0.get("/api/v1/users/@me/channels").await?,
        StatusCode::OK,
    )
    .await?;
    let order: Vec<_> = list
        .iter()
        .map(|c| {
            c.last_message
                .as_ref()
                .map(|m| m.content.clone())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(order, ["to carol", "to bob"]);
    tokio::time::sleep(Duration::from_millis(5)).await;
    bob.0.send_message(with_bob.id, "from bob").await?;
    let list: Vec<Conversation> = expect_json(
        alice.0.get("/api/v1/users/@me/channels").await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(list[0].channel.id, with_bob.id);
    assert_eq!(
        list[0].last_message.as_ref().map(|m| m.content.as_str()),
        Some("from bob")
    );
    let bobs: Vec<Conversation> = expect_json(
        bob.0.get("/api/v1/users/@me/channels").await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(
        bobs.len(),
        1,
        "Bob's list has the conversation with him only"
    );
    Ok(())
}

#[tokio::test]
async fn groups_are_renamed_grown_and_left_and_leavers_hear_nothing_more() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let people = neighbours(&app, 4).await?;
    let (alice, bob, carol, dave) = (&people[0], &people[1], &people[2], &people[3]);
    let mut carols = Gateway::connect(&carol.0).await?;
    let mut daves = Gateway::connect(&dave.0).await?;
    let group: Channel = expect_json(
        open(&alice.0, &[bob.1.id, carol.1.id]).await?,
        StatusCode::CREATED,
    )
    .await?;
    assert_eq!(group.kind, ChannelKind::GroupDm);
    assert_eq!(group.recipients.len(), 3);
    carols
        .wait_for(
            WAIT,
            |e| matches!(e, ServerEvent::ChannelCreate { channel } if channel.id == group.id),
        )
        .await?;

    let renamed: Channel = expect_json(
        bob.0
            .patch(
                &format!("/api/v1/channels/{}", group.id),
                &json!({"name": "Plans"}),
            )
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(renamed.name, "Plans");
    carols
        .wait_for(
            WAIT,
            |e| matches!(e, ServerEvent::ChannelUpdate { channel } if channel.name == "Plans"),
        )
        .await?;

    let added = carol
        .0
        .put(
            &format!("/api/v1/channels/{}/recipients/{}", group.id, dave.1.id),
            &json!({}),
        )
        .await?;
    assert_eq!(added.status(), StatusCode::NO_CONTENT);
    daves
        .wait_for(
            WAIT,
            |e| matches!(e, ServerEvent::ChannelCreate { channel } if channel.id == group.id),
        )
        .await?;
    carols
        .wait_for(
            WAIT,
            |e| matches!(e, ServerEvent::RecipientAdd { user, .. } if user.id == dave.1.id),
        )
        .await?;

    // Carol leaves: it disappears for her, and she hears nothing more.
    let left = carol
        .0
        .delete(&format!("/api/v1/channels/{}/recipients/@me", group.id))
        .await?;
    assert_eq!(left.status(), StatusCode::NO_CONTENT);
    carols.wait_for(WAIT, |e| matches!(e, ServerEvent::ChannelDelete { channel_id, .. } if *channel_id == group.id)).await?;
    daves
        .wait_for(
            WAIT,
            |e| matches!(e, ServerEvent::RecipientRemove { user_id, .. } if *user_id == carol.1.id),
        )
        .await?;
    alice.0.send_message(group.id, "after carol left").await?;
    daves.wait_for(WAIT, |e| matches!(e, ServerEvent::MessageCreate { message, .. } if message.content == "after carol left")).await?;
    carols
        .expect_none(Duration::from_millis(300), |e| {
            matches!(e, ServerEvent::MessageCreate { .. })
        })
        .await?;
    expect_error(
        carol
            .0
            .get(&format!("/api/v1/channels/{}/messages", group.id))
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    let list: Vec<Conversation> = expect_json(
        carol.0.get("/api/v1/users/@me/channels").await?,
        StatusCode::OK,
    )
    .await?;
    assert!(list.iter().all(|c| c.channel.id != group.id));

    // Only the creator removes others; 1:1 conversations have no such thing.
    let response = bob
        .0
        .delete(&format!(
            "/api/v1/channels/{}/recipients/{}",
            group.id, dave.1.id
        ))
        .await?;
    expect_error(response, StatusCode::FORBIDDEN).await?;
    let response = alice
        .0
        .delete(&format!(
            "/api/v1/channels/{}/recipients/{}",
            group.id, dave.1.id
        ))
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let direct: Channel =
        expect_json(open(&alice.0, &[bob.1.id]).await?, StatusCode::CREATED).await?;
    expect_error(
        alice
            .0
            .delete(&format!("/api/v1/channels/{}/recipients/@me", direct.id))
            .await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    expect_error(
        alice
            .0
            .patch(
                &format!("/api/v1/channels/{}", direct.id),
                &json!({"name": "x"}),
            )
            .await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn groups_hold_at_most_ten_people() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let people = neighbours(&app, 11).await?;
    let others: Vec<Uuid> = people[1..10].iter().map(|(_, u)| u.id).collect();
    let group: Channel =
        expect_json(open(&people[0].0, &others).await?, StatusCode::CREATED).await?;
    assert_eq!(group.recipients.len(), 10);
    let response = people[0]
        .0
        .put(
            &format!(
                "/api/v1/channels/{}/recipients/{}",
                group.id, people[10].1.id
            ),
            &json!({}),
        )
        .await?;
    expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
    Ok(())
}

#[tokio::test]
async fn people_are_found_by_username_or_display_name() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let bob = app.client();
    expect_json::<User>(
        bob.post("/api/v1/auth/register", &json!({"username": "bobby_tables", "display_name": "Robert Tables", "password": "correct horse battery"})).await?,
        StatusCode::CREATED,
    )
    .await?;
    for q in ["bobby", "ROBERT", "tables"] {
        let found: Vec<User> = expect_json(
            alice.get(&format!("/api/v1/users/search?q={q}")).await?,
            StatusCode::OK,
        )
        .await?;
        assert_eq!(
            found
                .iter()
                .map(|u| u.username.as_str())
                .collect::<Vec<_>>(),
            ["bobby_tables"],
            "{q}"
        );
        assert!(found[0].email.is_none());
    }
    expect_error(
        alice.get("/api/v1/users/search?q=b").await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn concurrent_adds_cannot_grow_a_group_past_ten() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let people = neighbours(&app, 16).await?;
    let group: Channel = expect_json(
        open(&people[0].0, &[people[1].1.id, people[2].1.id]).await?,
        StatusCode::CREATED,
    )
    .await?;
    let adds = people[3..].iter().map(|(_, user)| {
        let path = format!("/api/v1/channels/{}/recipients/{}", group.id, user.id);
        let adder = people[0].0.clone();
        async move { adder.put(&path, &json!({})).await }
    });
    let mut added = 0;
    for response in futures_util::future::join_all(adds).await {
        match response?.status() {
            StatusCode::NO_CONTENT => added += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {}
            other => anyhow::bail!("unexpected {other}"),
        }
    }
    assert_eq!(added, 7, "3 people plus 7 make the cap of 10");
    let mine: Vec<Conversation> = expect_json(
        people[0].0.get("/api/v1/users/@me/channels").await?,
        StatusCode::OK,
    )
    .await?;
    let listed = mine.iter().find(|c| c.channel.id == group.id);
    assert_eq!(listed.map(|c| c.channel.recipients.len()), Some(10));
    Ok(())
}

#[tokio::test]
async fn creating_groups_in_a_burst_is_rate_limited() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.groups_per_hour = 3).await?;
    let people = neighbours(&app, 3).await?;
    let ids = [people[1].1.id, people[2].1.id];
    for _ in 0..3 {
        expect_json::<Channel>(open(&people[0].0, &ids).await?, StatusCode::CREATED).await?;
    }
    let response = open(&people[0].0, &ids).await?;
    assert!(response.headers().contains_key("retry-after"));
    let error = expect_error(response, StatusCode::TOO_MANY_REQUESTS).await?;
    assert_eq!(error.error, ErrorCode::RateLimited);
    // 1:1 conversations are not groups: still open.
    let direct = open(&people[0].0, &[people[1].1.id]).await?;
    assert_eq!(direct.status(), StatusCode::CREATED);
    Ok(())
}
