//! Connections: a client that sends its headers slowly (or not at all) or idles on a keep-alive
//! connection is disconnected, and past the connection cap new connections are refused clearly.

use std::time::{Duration, Instant};

use parley_shared::ErrorCode;
use parley_tests::TestApp;
use parley_tests::client::expect_error;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection; how long that took, or `None` if it did not
/// within `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    let outcome = tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await;
    outcome.ok().map(|()| started.elapsed())
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.header_timeout = Duration::from_secs(1)).await?;
    let mut slow = TcpStream::connect(app.addr).await?;
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: parley\r\n")
        .await?;
    let mut silent = TcpStream::connect(app.addr).await?;
    for stream in [&mut slow, &mut silent] {
        let took = closed_within(stream, Duration::from_secs(5)).await;
        assert!(took.is_some(), "a half-open request is not kept forever");
    }
    Ok(())
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.header_timeout = Duration::from_secs(1)).await?;
    let mut stream = TcpStream::connect(app.addr).await?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: parley\r\n\r\n")
        .await?;
    let mut buf = vec![0u8; 1024];
    let n = stream.read(&mut buf).await?;
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let took = closed_within(&mut stream, Duration::from_secs(5)).await;
    assert!(took.is_some(), "the idle connection is closed");
    Ok(())
}

#[tokio::test]
async fn connections_past_the_cap_are_refused_with_503() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| {
        c.max_connections = 3;
        c.header_timeout = Duration::from_secs(60);
    })
    .await?;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(app.addr).await?);
    }
    // Let the server accept them.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let response = app.client().get("/healthz").await?;
    assert!(response.headers().contains_key("retry-after"));
    let error = expect_error(response, StatusCode::SERVICE_UNAVAILABLE).await?;
    assert_eq!(error.error, ErrorCode::Unavailable);

    // A closed connection frees its place.
    held.pop();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let status = app.client().get("/healthz").await?.status();
        if status == StatusCode::OK {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "the freed place was not reused");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

#[tokio::test]
async fn gateway_sockets_count_against_the_cap() -> anyhow::Result<()> {
    // Alice's own keep-alive connection (registering) holds one place, her sockets two.
    let app = TestApp::spawn_with(|c| c.max_connections = 3).await?;
    let (alice, _) = parley_tests::a_user(&app).await?;
    let _one = parley_tests::gateway::Gateway::connect(&alice).await?;
    let _two = parley_tests::gateway::Gateway::connect(&alice).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let response = app.client().get("/healthz").await?;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    Ok(())
}
