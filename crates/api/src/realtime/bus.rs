//! The path from a committed write to every instance's hub. Within an instance it is an
//! in-process broadcast; with `REDIS_URL` every message also travels to the other instances over
//! a Redis channel, and theirs come in the same way. An instance's own messages reach its hub
//! directly, never through Redis, so one instance is as fast with Redis as without.
//!
//! Redis is not the source of truth (the database is): when it cannot be reached, writes are
//! still committed and acknowledged, this instance keeps delivering to its own sockets, and once
//! the link is back every hub that may have missed something closes its sockets, whose clients
//! reconnect and catch up by seq.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, PushKind, Value};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};
use uuid::Uuid;

use super::BusMessage;

/// Messages a slow hub may fall behind by before it has to skip some. A skipped event is not
/// lost for clients: they notice the seq gap and fetch what they missed.
const CAPACITY: usize = 16 * 1024;
/// Messages published in one round trip to Redis, at most.
const PUBLISH_BATCH: usize = 256;

#[derive(Debug, Clone)]
pub struct EventBus {
    local: broadcast::Sender<Arc<BusMessage>>,
    remote: Option<Remote>,
}

/// The Redis side: a queue to the publishing task, and whether the link is up.
#[derive(Debug, Clone)]
struct Remote {
    outgoing: mpsc::UnboundedSender<Arc<BusMessage>>,
    connected: Arc<AtomicBool>,
}

/// What travels between instances: who sent it (so an instance skips its own) and the message.
#[derive(Serialize, Deserialize)]
struct Wire<M> {
    from: Uuid,
    message: M,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    /// A bus for one instance alone.
    pub fn new() -> Self {
        let (local, _) = broadcast::channel(CAPACITY);
        Self {
            local,
            remote: None,
        }
    }

    /// A bus shared with every instance on the same Redis. Starts at once, whether or not Redis
    /// answers yet: it connects (and reconnects) in the background.
    pub fn with_redis(url: &str, namespace: &str) -> anyhow::Result<Self> {
        // The channel every instance publishes to and listens on.
        let channel: Arc<str> = format!("{namespace}:bus").into();
        // RESP3, so that subscriptions arrive as pushes on a connection that reconnects and
        // resubscribes by itself.
        let info = url.parse::<redis::ConnectionInfo>()?;
        let settings = info
            .redis_settings()
            .clone()
            .set_protocol(redis::ProtocolVersion::RESP3);
        let client = Client::open(info.set_redis_settings(settings))?;
        let (local, _) = broadcast::channel(CAPACITY);
        let instance = Uuid::new_v4();
        let connected = Arc::new(AtomicBool::new(false));
        let (outgoing, queue) = mpsc::unbounded_channel();
        tokio::spawn(listen(
            client.clone(),
            Arc::clone(&channel),
            instance,
            local.clone(),
            Arc::clone(&connected),
        ));
        tokio::spawn(publish_all(client, channel, instance, queue));
        Ok(Self {
            local,
            remote: Some(Remote {
                outgoing,
                connected,
            }),
        })
    }

    /// Hands a message to this instance's hub at once, and to the other instances' through
    /// Redis. Having no hub (no gateway running) is not an error.
    pub fn publish(&self, message: BusMessage) {
        let message = Arc::new(message);
        if let Some(remote) = &self.remote {
            let _ = remote.outgoing.send(Arc::clone(&message));
        }
        let _ = self.local.send(message);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<BusMessage>> {
        self.local.subscribe()
    }

    /// `None` without Redis; otherwise whether the link to Redis is up (for `/readyz`).
    pub fn redis_connected(&self) -> Option<bool> {
        self.remote
            .as_ref()
            .map(|r| r.connected.load(Ordering::Relaxed))
    }
}

fn manager_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_number_of_retries(usize::MAX)
        .set_min_delay(Duration::from_millis(100))
        .set_max_delay(Duration::from_secs(2))
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)))
}

/// Receives the other instances' messages and hands them to this instance's hub. After the
/// link was lost, once it is back, this hub's sockets start over (they may have missed
/// something while it was down).
async fn listen(
    client: Client,
    channel: Arc<str>,
    instance: Uuid,
    local: broadcast::Sender<Arc<BusMessage>>,
    connected: Arc<AtomicBool>,
) {
    let (pushes, mut received) = mpsc::unbounded_channel();
    let config = manager_config()
        .set_push_sender(pushes)
        .set_automatic_resubscription();
    let Ok(mut manager) = ConnectionManager::new_lazy_with_config(client, config) else {
        tracing::error!("the Redis connection could not be set up");
        return;
    };
    // The first subscription, retried until Redis answers; later ones are automatic.
    let mut delay = Duration::from_millis(100);
    while let Err(err) = manager.subscribe(&*channel).await {
        tracing::warn!(error = %err, "cannot subscribe to Redis yet; retrying");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
    tracing::info!("listening to the other instances over Redis");
    connected.store(true, Ordering::Relaxed);
    let mut lost = false;
    while let Some(push) = received.recv().await {
        match push.kind {
            PushKind::Disconnection => {
                if !lost {
                    tracing::warn!("lost the link to Redis; reconnecting");
                }
                lost = true;
                connected.store(false, Ordering::Relaxed);
            }
            PushKind::Subscribe if lost => {
                tracing::info!("the link to Redis is back; every socket here resyncs");
                lost = false;
                connected.store(true, Ordering::Relaxed);
                let _ = local.send(Arc::new(BusMessage::Resync));
            }
            PushKind::Message => {
                let payload = push.data.into_iter().nth(1);
                let Some(Value::BulkString(bytes)) = payload else {
                    continue;
                };
                match rmp_serde::from_slice::<Wire<BusMessage>>(&bytes) {
                    Ok(wire) if wire.from == instance => {}
                    Ok(wire) => {
                        let _ = local.send(Arc::new(wire.message));
                    }
                    Err(err) => tracing::warn!(error = %err, "unreadable message on the bus"),
                }
            }
            _ => {}
        }
    }
    let _ = manager;
}

/// Publishes this instance's messages, a batch per round trip. A batch that cannot be
/// published is dropped (its writes are committed; clients elsewhere catch up by seq), and once
/// Redis answers again the other instances are told to resync their sockets.
async fn publish_all(
    client: Client,
    channel: Arc<str>,
    instance: Uuid,
    mut queue: mpsc::UnboundedReceiver<Arc<BusMessage>>,
) {
    let Ok(mut manager) = ConnectionManager::new_lazy_with_config(client, manager_config()) else {
        tracing::error!("the Redis connection could not be set up");
        return;
    };
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    let mut missed = false;
    while queue.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
        let mut pipe = redis::pipe();
        for message in batch.drain(..) {
            let wire = Wire {
                from: instance,
                message: message.as_ref(),
            };
            match rmp_serde::to_vec_named(&wire) {
                Ok(bytes) => {
                    pipe.publish(&*channel, bytes).ignore();
                }
                Err(err) => tracing::error!(error = %err, "cannot encode a bus message"),
            }
        }
        if missed {
            // The others may have missed what could not be published: they start over too.
            if let Ok(bytes) = rmp_serde::to_vec_named(&Wire {
                from: instance,
                message: &BusMessage::Resync,
            }) {
                pipe.publish(&*channel, bytes).ignore();
            }
        }
        match pipe.query_async::<()>(&mut manager).await {
            Ok(()) => {
                if missed {
                    tracing::info!("publishing to Redis again");
                    missed = false;
                }
            }
            Err(err) => {
                if !missed {
                    tracing::warn!(error = %err, "cannot publish to Redis; other instances will resync");
                }
                missed = true;
                // What queued up meanwhile would only be resynced over too: drop it rather than
                // let an outage grow the queue.
                while queue.try_recv().is_ok() {}
            }
        }
    }
}
