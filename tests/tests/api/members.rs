use parley_shared::ErrorCode;
use parley_shared::servers::{Member, MyServer, Role};
use parley_tests::client::{expect_error, expect_json};
use parley_tests::{Client, TestApp, a_user};
use reqwest::StatusCode;
use uuid::Uuid;

struct Club {
    id: Uuid,
    admin: (Client, Uuid),
    moderator: (Client, Uuid),
    guest: (Client, Uuid),
    other_guest: (Client, Uuid),
}

async fn a_club(app: &TestApp) -> anyhow::Result<Club> {
    let (admin, admin_user) = a_user(app).await?;
    let server = admin.create_server("Club").await?;
    let id = server.server.id;
    let mut members = Vec::new();
    for _ in 0..3 {
        let (client, user) = a_user(app).await?;
        client.join_via(&admin, id).await?;
        members.push((client, user.id));
    }
    let moderator = members.remove(0);
    admin.set_role(id, moderator.1, "moderator").await?;
    let guest = members.remove(0);
    let other_guest = members.remove(0);
    Ok(Club {
        id,
        admin: (admin, admin_user.id),
        moderator,
        guest,
        other_guest,
    })
}

async fn members_of(client: &Client, id: Uuid) -> anyhow::Result<Vec<Member>> {
    expect_json(
        client.get(&format!("/api/v1/servers/{id}/members")).await?,
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn the_member_list_is_grouped_by_role() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let club = a_club(&app).await?;
    let list = members_of(&club.guest.0, club.id).await?;
    let roles: Vec<Role> = list.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [Role::Admin, Role::Moderator, Role::Guest, Role::Guest]
    );
    assert!(
        list.iter().all(|m| m.user.email.is_none()),
        "members do not see each other's email"
    );
    Ok(())
}

#[tokio::test]
async fn role_changes_follow_the_hierarchy() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let club = a_club(&app).await?;
    let (admin, moderator, guest) = (&club.admin.0, &club.moderator.0, &club.guest.0);

    // Only admins change roles.
    for who in [moderator, guest] {
        let response = who
            .set_role(club.id, club.other_guest.1, "moderator")
            .await?;
        assert_eq!(
            expect_error(response, StatusCode::FORBIDDEN).await?.error,
            ErrorCode::Forbidden
        );
    }
    let promoted: Member = expect_json(
        admin.set_role(club.id, club.guest.1, "moderator").await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(promoted.role, Role::Moderator);
    let demoted: Member = expect_json(
        admin.set_role(club.id, club.guest.1, "guest").await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(demoted.role, Role::Guest);

    // Handing admin over; then the new admin cannot touch the old one (equal role).
    let handed: Member = expect_json(
        admin.set_role(club.id, club.moderator.1, "admin").await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(handed.role, Role::Admin);
    let response = moderator.set_role(club.id, club.admin.1, "guest").await?;
    expect_error(response, StatusCode::FORBIDDEN).await?;
    // An admin may step down while another admin remains.
    let stepped: Member = expect_json(
        admin.set_role(club.id, club.admin.1, "guest").await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(stepped.role, Role::Guest);
    // ...but the last admin may not.
    let response = moderator
        .set_role(club.id, club.moderator.1, "moderator")
        .await?;
    assert_eq!(
        expect_error(response, StatusCode::CONFLICT).await?.error,
        ErrorCode::LastAdmin
    );

    let response = moderator.set_role(club.id, Uuid::now_v7(), "guest").await?;
    expect_error(response, StatusCode::NOT_FOUND).await?;
    let response = moderator
        .set_role(club.id, club.guest.1, "overlord")
        .await?;
    expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
    Ok(())
}

#[tokio::test]
async fn kicks_follow_the_hierarchy() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let club = a_club(&app).await?;
    let kick = |who: &Client, target: Uuid| {
        let who = who.clone();
        let id = club.id;
        async move {
            who.delete(&format!("/api/v1/servers/{id}/members/{target}"))
                .await
        }
    };
    // Guests kick nobody; moderators cannot kick moderators or admins.
    expect_error(
        kick(&club.guest.0, club.other_guest.1).await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    expect_error(
        kick(&club.moderator.0, club.admin.1).await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    // Moderators kick guests.
    assert_eq!(
        kick(&club.moderator.0, club.guest.1).await?.status(),
        StatusCode::NO_CONTENT
    );
    let gone = club
        .guest
        .0
        .get(&format!("/api/v1/servers/{}", club.id))
        .await?;
    expect_error(gone, StatusCode::NOT_FOUND).await?;
    // Admins kick moderators.
    assert_eq!(
        kick(&club.admin.0, club.moderator.1).await?.status(),
        StatusCode::NO_CONTENT
    );
    let list = members_of(&club.admin.0, club.id).await?;
    assert_eq!(list.len(), 2);
    expect_error(
        kick(&club.admin.0, club.moderator.1).await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn members_leave_but_the_last_admin_cannot() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let club = a_club(&app).await?;
    let leave = format!("/api/v1/servers/{}/members/@me", club.id);
    assert_eq!(
        club.guest.0.delete(&leave).await?.status(),
        StatusCode::NO_CONTENT
    );
    let mine: Vec<MyServer> =
        expect_json(club.guest.0.get("/api/v1/servers").await?, StatusCode::OK).await?;
    assert!(mine.is_empty());

    let error = expect_error(club.admin.0.delete(&leave).await?, StatusCode::CONFLICT).await?;
    assert_eq!(error.error, ErrorCode::LastAdmin);
    club.admin
        .0
        .set_role(club.id, club.moderator.1, "admin")
        .await?;
    assert_eq!(
        club.admin.0.delete(&leave).await?.status(),
        StatusCode::NO_CONTENT
    );
    Ok(())
}

#[tokio::test]
async fn two_admins_stepping_down_at_once_leave_one_admin() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let club = a_club(&app).await?;
    club.admin
        .0
        .set_role(club.id, club.moderator.1, "admin")
        .await?;
    let (a, b) = tokio::join!(
        club.admin.0.set_role(club.id, club.admin.1, "guest"),
        club.moderator
            .0
            .set_role(club.id, club.moderator.1, "guest"),
    );
    let statuses = [a?.status(), b?.status()];
    assert!(
        statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let admins = members_of(&club.admin.0, club.id)
        .await?
        .iter()
        .filter(|m| m.role == Role::Admin)
        .count();
    assert_eq!(admins, 1);
    Ok(())
}
