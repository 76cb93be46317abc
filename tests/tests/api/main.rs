//! Black-box tests of the HTTP API. One binary, one module per capability; every test starts its
//! own server against its own fresh database.

mod accounts;
mod architecture;
mod attachments;
mod avatars;
mod bans;
mod channels;
mod connections;
mod conversations;
mod durability;
mod gateway;
mod input;
mod invites;
mod members;
mod mentions;
mod messages;
mod openapi;
mod origin;
mod pins;
mod platform;
mod reactions;
mod replies;
mod revocation;
mod servers;
mod sessions;
mod throttling;
mod tokens;
