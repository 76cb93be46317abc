//! Group commit for sends. Concurrent sends queue up for one writer task, which takes whatever is
//! queued (up to [`MAX_BATCH`]), writes it in one transaction and one commit, then publishes and
//! answers each sender. A commit is the expensive part of a send (an fsync on SQLite with
//! `synchronous=FULL`, a WAL flush on PostgreSQL), so under load many messages share one, and a
//! lone send still goes out at once: the writer never waits for a batch to fill.
//!
//! The rules of the single send hold for every message of a batch:
//! - acknowledged only after its commit;
//! - per channel, seqs are taken by one `UPDATE ... last_seq = last_seq + n RETURNING`, which
//!   locks the channel's row until the commit, so seq order stays commit order (channels are
//!   updated in id order, so two instances' batches cannot deadlock on each other);
//! - a repeated `(channel, author, nonce)` answers with the message first sent: repeats inside
//!   a batch share the first one's outcome, and repeats of committed messages are found by one
//!   indexed query per batch.
//!
//! Who may send is checked per batch too, with the same answers as everywhere else (404 for a
//! channel the author cannot see, 403 for one that takes no messages): one query for the
//! channels, one for the authors' memberships and one for the people of conversations, instead
//! of three queries per message.
//!
//! Anything unexpected (a nonce committed by another instance in between, a channel deleted
//! meanwhile, a lost connection) rolls the batch back and sends its messages one by one through
//! the single-message path, whose answers are exactly those of a lone send. Nonces make that
//! safe even when a failed commit did in fact commit: the retry finds the messages by nonce.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{SubsecRound, Utc};
use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::messages::Message;
use parley_shared::servers::ChannelKind;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::Store;
use super::entities::{channel_events, channel_recipients, channels, members, messages, users};
use crate::error::{AppError, AppResult};
use crate::realtime::Audience;

/// At most this many messages per transaction: 9 bound values per message row keep one insert
/// far below SQLite's and PostgreSQL's limits on bound parameters.
const MAX_BATCH: usize = 256;

/// How many sends may wait for the writer before senders wait to queue.
const QUEUE: usize = 4096;

/// A message to send, as the author asked (validated, not yet checked against the channel).
#[derive(Debug)]
pub(crate) struct NewMessage {
    pub channel_id: Uuid,
    pub author: users::Model,
    pub content: String,
    pub nonce: String,
}

/// A message whose author may send it where it goes, with who hears of it.
#[derive(Debug)]
pub(crate) struct Allowed<'a> {
    pub message: &'a NewMessage,
    pub channel: channels::Model,
    pub audience: Audience,
}

/// `(message, true)` when created now, `(message, false)` for a repeated nonce.
pub(crate) type Outcome = (Message, bool);

struct Pending {
    message: NewMessage,
    reply: oneshot::Sender<AppResult<Outcome>>,
}

/// The senders' end of the writer's queue. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct SendQueue {
    tx: mpsc::Sender<Pending>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl SendQueue {
    /// Starts the writer. `store` is the handle it writes with; it must not hold this queue,
    /// or the writer would keep itself alive.
    pub fn start(store: Store) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, rx));
        Self { tx }
    }

    /// Queues a message and waits for its commit. `Err(message)` gives it back when the
    /// writer is gone (shutting down, or it failed), for the caller to write alone.
    pub async fn send(&self, message: NewMessage) -> Result<AppResult<Outcome>, NewMessage> {
        let (reply, answer) = oneshot::channel();
        if let Err(mpsc::error::SendError(pending)) = self.tx.send(Pending { message, reply }).await
        {
            return Err(pending.message);
        }
        // A writer that died mid-batch without answering is a bug; the sender may retry with
        // the same nonce, which finds the message if that batch did commit.
        Ok(answer.await.unwrap_or_else(|_| {
            Err(AppError::internal(anyhow::anyhow!(
                "the message writer stopped before answering"
            )))
        }))
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        write(&store, &mut batch).await;
    }
}

/// Writes one batch and answers every sender in it.
async fn write(store: &Store, batch: &mut Vec<Pending>) {
    let messages: Vec<&NewMessage> = batch.iter().map(|p| &p.message).collect();
    match write_together(store, &messages).await {
        Ok(outcomes) => {
            for (pending, outcome) in batch.drain(..).zip(outcomes) {
                // A sender that went away (its socket closed) needs no answer; its message is
                // committed and was published.
                let _ = pending.reply.send(outcome);
            }
        }
        Err(err) => {
            tracing::debug!(
                messages = batch.len(),
                error = %err,
                "a batch of sends failed; writing its messages one by one"
            );
            for pending in batch.drain(..) {
                let outcome = write_alone(store, &pending.message).await;
                let _ = pending.reply.send(outcome);
            }
        }
    }
}

/// One message in a transaction of its own, checked and answered as a lone send.
pub(crate) async fn write_alone(store: &Store, message: &NewMessage) -> AppResult<Outcome> {
    let mut checked = check(store, &[message]).await?;
    let allowed = checked.pop().ok_or_else(AppError::not_found)??;
    super::messages::create_alone(store, allowed, super::messages::Extras::default()).await
}

/// Whether each author may send where they send: `Ok` with the channel and its audience, or
/// the error a lone send would get.
async fn check<'a>(
    store: &Store,
    batch: &[&'a NewMessage],
) -> AppResult<Vec<AppResult<Allowed<'a>>>> {
    let mut channel_ids: Vec<Uuid> = batch.iter().map(|m| m.channel_id).collect();
    channel_ids.sort_unstable();
    channel_ids.dedup();
    let found: HashMap<Uuid, channels::Model> = channels::Entity::find()
        .filter(channels::Column::Id.is_in(channel_ids))
        .all(store.db())
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut server_ids: Vec<Uuid> = found.values().filter_map(|c| c.server_id).collect();
    server_ids.sort_unstable();
    server_ids.dedup();
    let conversation_ids: Vec<Uuid> = found
        .values()
        .filter(|c| c.server_id.is_none())
        .map(|c| c.id)
        .collect();
    let mut author_ids: Vec<Uuid> = batch.iter().map(|m| m.author.id).collect();
    author_ids.sort_unstable();
    author_ids.dedup();
    let memberships: HashSet<(Uuid, Uuid)> = if server_ids.is_empty() {
        HashSet::new()
    } else {
        members::Entity::find()
            .filter(members::Column::ServerId.is_in(server_ids))
            .filter(members::Column::UserId.is_in(author_ids))
            .all(store.db())
            .await?
            .into_iter()
            .map(|m| (m.server_id, m.user_id))
            .collect()
    };
    let mut people: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    if !conversation_ids.is_empty() {
        for row in channel_recipients::Entity::find()
            .filter(channel_recipients::Column::ChannelId.is_in(conversation_ids))
            .all(store.db())
            .await?
        {
            people.entry(row.channel_id).or_default().push(row.user_id);
        }
    }
    Ok(batch
        .iter()
        .map(|&message| {
            let channel = found
                .get(&message.channel_id)
                .ok_or_else(AppError::not_found)?;
            let audience = match channel.server_id {
                Some(server_id) if memberships.contains(&(server_id, message.author.id)) => {
                    Audience::Server(server_id)
                }
                None => match people.get(&channel.id) {
                    Some(ids) if ids.contains(&message.author.id) => Audience::Users(ids.clone()),
                    _ => return Err(AppError::not_found()),
                },
                Some(_) => return Err(AppError::not_found()),
            };
            if matches!(
                super::channels::kind(channel),
                ChannelKind::Audio | ChannelKind::Video
            ) {
                return Err(AppError::new(
                    ErrorCode::Forbidden,
                    "Messages can only be sent to text channels.",
                ));
            }
            Ok(Allowed {
                message,
                channel: channel.clone(),
                audience,
            })
        })
        .collect())
}

/// What becomes of each message of a batch.
enum Fate {
    /// Written now, as the `index`th new row.
    New(usize),
    /// The same nonce came earlier in this batch, at this position.
    RepeatInBatch(usize),
    /// Already committed before.
    Committed(messages::Model),
}

/// One transaction for the whole batch. Publishes after the commit and returns each message's
/// outcome, in the batch's order.
async fn write_together(
    store: &Store,
    messages: &[&NewMessage],
) -> AppResult<Vec<AppResult<Outcome>>> {
    let checked = check(store, messages).await?;
    let batch: Vec<&Allowed<'_>> = checked.iter().filter_map(|c| c.as_ref().ok()).collect();
    let committed = committed_nonces(store, &batch).await?;
    let mut first_of: HashMap<(Uuid, Uuid, &str), usize> = HashMap::with_capacity(batch.len());
    let mut new_per_channel: BTreeMap<Uuid, i64> = BTreeMap::new();
    let mut fates = Vec::with_capacity(batch.len());
    let mut new_count = 0;
    for (position, allowed) in batch.iter().enumerate() {
        let m = allowed.message;
        let key = (m.channel_id, m.author.id, m.nonce.as_str());
        let fate = if let Some(existing) = committed.get(&key) {
            Fate::Committed(existing.clone())
        } else if let Some(&first) = first_of.get(&key) {
            Fate::RepeatInBatch(first)
        } else {
            first_of.insert(key, position);
            *new_per_channel.entry(m.channel_id).or_default() += 1;
            new_count += 1;
            Fate::New(new_count - 1)
        };
        fates.push(fate);
    }

    // Microseconds, as PostgreSQL keeps them: the message announced is the message stored.
    let now = Utc::now().trunc_subsecs(6);
    let txn = store.db().begin().await?;
    // The first seq each channel hands out in this batch, channels locked in id order.
    let mut next_seq: HashMap<Uuid, i64> = HashMap::with_capacity(new_per_channel.len());
    for (&channel_id, &count) in &new_per_channel {
        let mut update = channels::Entity::update_many().col_expr(
            channels::Column::LastSeq,
            Expr::col(channels::Column::LastSeq).add(count),
        );
        let is_conversation = batch
            .iter()
            .find(|a| a.channel.id == channel_id)
            .is_some_and(|a| a.channel.server_id.is_none());
        if is_conversation {
            update = update.col_expr(channels::Column::LastMessageAt, Expr::value(now));
        }
        let updated = update
            .filter(channels::Column::Id.eq(channel_id))
            .exec_with_returning(&txn)
            .await?;
        let last = updated
            .first()
            .map(|c| c.last_seq)
            .ok_or_else(AppError::not_found)?;
        next_seq.insert(channel_id, last - count + 1);
    }

    let mut rows = Vec::with_capacity(new_count);
    let mut events = Vec::with_capacity(new_count);
    let mut logged = Vec::with_capacity(new_count);
    for (allowed, fate) in batch.iter().zip(&fates) {
        if !matches!(fate, Fate::New(_)) {
            continue;
        }
        let m = allowed.message;
        let seq = next_seq.get_mut(&m.channel_id).map_or(0, |next| {
            *next += 1;
            *next - 1
        });
        let row = messages::Model {
            id: Uuid::now_v7(),
            channel_id: m.channel_id,
            author_id: m.author.id,
            seq,
            content: m.content.clone(),
            nonce: Some(m.nonce.clone()),
            created_at: now,
            edited_at: None,
            deleted: false,
            reply_to_id: None,
            mention_everyone: false,
            mention_roles: None,
            pinned_at: None,
        };
        let event = ServerEvent::MessageCreate {
            channel_id: m.channel_id,
            seq,
            message: super::messages::to_dto(&row, &m.author, None),
        };
        logged.push(channel_events::ActiveModel {
            channel_id: Set(m.channel_id),
            seq: Set(seq),
            payload: Set(serde_json::to_string(&event).map_err(AppError::internal)?),
            created_at: Set(now),
        });
        rows.push(messages::ActiveModel::from(row));
        events.push(event);
    }
    if !rows.is_empty() {
        messages::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        channel_events::Entity::insert_many(logged)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;

    // Published in seq order per channel, as committed.
    let mut announced: Vec<Uuid> = Vec::new();
    let mut created: Vec<Message> = Vec::with_capacity(new_count);
    for (allowed, event) in batch
        .iter()
        .zip(&fates)
        .filter(|(_, fate)| matches!(fate, Fate::New(_)))
        .map(|(allowed, _)| allowed)
        .zip(events)
    {
        let channel = &allowed.channel;
        if channel.server_id.is_none()
            && channel.last_message_at.is_none()
            && !announced.contains(&channel.id)
        {
            announced.push(channel.id);
            super::messages::announce_conversation(store, channel, &allowed.audience, now).await;
        }
        if let ServerEvent::MessageCreate { message, .. } = &event {
            created.push(message.clone());
        }
        store.publish(allowed.audience.clone(), event);
    }

    let mut outcomes: Vec<Outcome> = Vec::with_capacity(batch.len());
    for (allowed, fate) in batch.iter().zip(fates) {
        let outcome = match fate {
            Fate::New(index) => (created[index].clone(), true),
            Fate::RepeatInBatch(first) => (outcomes[first].0.clone(), false),
            Fate::Committed(existing) => (
                super::messages::dto(store.db(), &existing, &allowed.message.author).await?,
                false,
            ),
        };
        outcomes.push(outcome);
    }
    // Back in the order of the whole batch, refusals included.
    let mut outcomes = outcomes.into_iter();
    Ok(checked
        .into_iter()
        .map(|c| match c {
            Ok(_) => outcomes.next().ok_or_else(AppError::not_found),
            Err(err) => Err(err),
        })
        .collect())
}

/// The batch's messages whose `(channel, author, nonce)` is already committed: retries of
/// acknowledged sends, or of sends whose acknowledgement was lost. One query through the
/// unique index.
async fn committed_nonces<'a>(
    store: &Store,
    batch: &[&'a Allowed<'a>],
) -> AppResult<HashMap<(Uuid, Uuid, &'a str), messages::Model>> {
    if batch.is_empty() {
        return Ok(HashMap::new());
    }
    let mut channel_ids: Vec<Uuid> = batch.iter().map(|a| a.message.channel_id).collect();
    let mut author_ids: Vec<Uuid> = batch.iter().map(|a| a.message.author.id).collect();
    let mut nonces: Vec<&str> = batch.iter().map(|a| a.message.nonce.as_str()).collect();
    for list in [&mut channel_ids, &mut author_ids] {
        list.sort_unstable();
        list.dedup();
    }
    nonces.sort_unstable();
    nonces.dedup();
    let found = messages::Entity::find()
        .filter(messages::Column::ChannelId.is_in(channel_ids))
        .filter(messages::Column::AuthorId.is_in(author_ids))
        .filter(messages::Column::Nonce.is_in(nonces))
        .all(store.db())
        .await?;
    let mut committed = HashMap::new();
    for row in found {
        let Some(nonce) = row.nonce.as_deref() else {
            continue;
        };
        // Only exact triples of this batch count; the IN lists also match mixed ones.
        if let Some(allowed) = batch.iter().find(|a| {
            a.message.channel_id == row.channel_id
                && a.message.author.id == row.author_id
                && a.message.nonce == nonce
        }) {
            let m = allowed.message;
            committed.insert((m.channel_id, m.author.id, m.nonce.as_str()), row);
        }
    }
    Ok(committed)
}
