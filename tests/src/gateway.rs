//! A gateway client: connects like a browser (cookie and Origin) or a bot (bearer token), reads
//! Hello and Ready, and waits for events.

use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use parley_shared::events::{ClientEvent, ServerEvent};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::client::Client;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    MessagePack,
}

pub struct Gateway {
    pub socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    encoding: Encoding,
    /// The Ready frame's contents.
    pub ready: ServerEvent,
}

/// How a handshake went, for tests of refused connections.
pub async fn handshake_status(client: &Client, origin: Option<&str>) -> anyhow::Result<u16> {
    match tokio_tungstenite::connect_async(request(client, Encoding::Json, origin)?).await {
        Ok((_, response)) => Ok(response.status().as_u16()),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Ok(response.status().as_u16())
        }
        Err(err) => Err(err.into()),
    }
}

fn request(
    client: &Client,
    encoding: Encoding,
    origin: Option<&str>,
) -> anyhow::Result<tokio_tungstenite::tungstenite::handshake::client::Request> {
    let query = match encoding {
        Encoding::Json => "json",
        Encoding::MessagePack => "msgpack",
    };
    let url = format!(
        "{}/api/v1/gateway?encoding={query}",
        client.base().replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request()?;
    let headers = request.headers_mut();
    if let Some(token) = client.bearer() {
        headers.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}"))?,
        );
    } else if let Some(cookie) = client.cookie_header() {
        headers.insert("cookie", HeaderValue::from_str(&cookie)?);
    }
    let origin = origin
        .map(str::to_owned)
        .unwrap_or_else(|| client.base().to_owned());
    headers.insert("origin", HeaderValue::from_str(&origin)?);
    Ok(request)
}

/// A socket opened as `client` with a receive buffer of `recv_buffer` bytes, whose frames are
/// never read (not even Hello): a peer that has stopped reading.
pub async fn connect_unread(
    client: &Client,
    recv_buffer: u32,
) -> anyhow::Result<WebSocketStream<TcpStream>> {
    let request = request(client, Encoding::Json, None)?;
    let host = request.uri().host().unwrap_or("127.0.0.1").to_owned();
    let port = request.uri().port_u16().unwrap_or(80);
    let addr = tokio::net::lookup_host((host.as_str(), port))
        .await?
        .next()
        .context("no address")?;
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(recv_buffer)?;
    let stream = socket.connect(addr).await?;
    let (socket, _) = tokio_tungstenite::client_async(request, stream).await?;
    Ok(socket)
}

impl Gateway {
    /// Connects as `client` (cookie with our Origin, or its bearer token) and reads Hello and Ready.
    pub async fn connect(client: &Client) -> anyhow::Result<Self> {
        Self::connect_with(client, Encoding::Json).await
    }

    pub async fn connect_with(client: &Client, encoding: Encoding) -> anyhow::Result<Self> {
        let (socket, _) =
            tokio_tungstenite::connect_async(request(client, encoding, None)?).await?;
        let mut gateway = Self {
            socket,
            encoding,
            ready: ServerEvent::HeartbeatAck,
        };
        let hello = gateway.next(Duration::from_secs(5)).await?;
        anyhow::ensure!(
            matches!(hello, ServerEvent::Hello { .. }),
            "expected hello, got {hello:?}"
        );
        gateway.ready = gateway.next(Duration::from_secs(5)).await?;
        anyhow::ensure!(
            matches!(gateway.ready, ServerEvent::Ready { .. }),
            "expected ready"
        );
        Ok(gateway)
    }

    /// The next event, or an error if none comes in time or the socket closes.
    pub async fn next(&mut self, timeout: Duration) -> anyhow::Result<ServerEvent> {
        loop {
            let message = tokio::time::timeout(timeout, self.socket.next())
                .await
                .context("no event in time")?
                .context("socket closed")??;
            return match message {
                Message::Text(text) => Ok(serde_json::from_str(&text)?),
                Message::Binary(bytes) => Ok(rmp_serde::from_slice(&bytes)?),
                Message::Close(frame) => bail!("socket closed: {frame:?}"),
                _ => continue,
            };
        }
    }

    /// Skips events until one matches, failing after `timeout` overall.
    pub async fn wait_for(
        &mut self,
        timeout: Duration,
        matches: impl Fn(&ServerEvent) -> bool,
    ) -> anyhow::Result<ServerEvent> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self.next(left).await?;
            if matches(&event) {
                return Ok(event);
            }
        }
    }

    /// Asserts that nothing matching arrives within `window`.
    pub async fn expect_none(
        &mut self,
        window: Duration,
        matches: impl Fn(&ServerEvent) -> bool,
    ) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + window;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            match self.next(left).await {
                Ok(event) if matches(&event) => bail!("unexpected event {event:?}"),
                Ok(_) => continue,
                Err(_) => return Ok(()),
            }
        }
    }

    pub async fn send(&mut self, event: &ClientEvent) -> anyhow::Result<()> {
        let message = match self.encoding {
            Encoding::Json => Message::Text(serde_json::to_string(event)?.into()),
            Encoding::MessagePack => Message::Binary(rmp_serde::to_vec_named(event)?.into()),
        };
        self.socket.send(message).await?;
        Ok(())
    }

    /// The close frame's code when the server ends the socket, skipping other frames.
    pub async fn closed_with(&mut self, timeout: Duration) -> anyhow::Result<Option<u16>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.socket.next())
                .await
                .context("not closed in time")?
            {
                Some(Ok(Message::Close(frame))) => return Ok(frame.map(|f| u16::from(f.code))),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Ok(None),
            }
        }
    }
}
