//! Black-box tests of the HTTP API. One binary, one module per capability; every test starts its
//! own server against its own fresh database.

mod accounts;
mod architecture;
mod channels;
mod conversations;
mod gateway;
mod invites;
mod members;
mod messages;
mod origin;
mod platform;
mod servers;
mod sessions;
mod throttling;
mod tokens;
