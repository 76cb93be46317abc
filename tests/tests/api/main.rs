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
mod gateway;
mod input;
mod invites;
mod members;
mod messages;
mod openapi;
mod origin;
mod platform;
mod revocation;
mod servers;
mod sessions;
mod throttling;
mod tokens;
