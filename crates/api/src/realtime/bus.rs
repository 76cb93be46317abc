//! The path from a committed write to every instance's hub. In the embedded setup this is an
//! in-process broadcast; a cross-instance bus (Redis) plugs in behind the same `publish`.

use std::sync::Arc;

use tokio::sync::broadcast;

use super::Envelope;

/// Envelopes a slow hub may fall behind by before it has to skip some. A skipped event is not
/// lost for clients: they notice the seq gap and fetch what they missed.
const CAPACITY: usize = 16 * 1024;

#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<Envelope>>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        Self { sender }
    }

    /// Hands an envelope to every hub. Having no hub (no gateway running) is not an error.
    pub fn publish(&self, envelope: Envelope) {
        let _ = self.sender.send(Arc::new(envelope));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Envelope>> {
        self.sender.subscribe()
    }
}
