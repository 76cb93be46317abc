// The peer Parley is measured against: a Socket.IO server doing the same fan-out job (rooms,
// a message relayed to everyone in the room, an acknowledgement to the sender), as people
// build chat on Node.js. It persists nothing. With REDIS_URL it uses the Redis adapter, the
// usual way to run several Socket.IO instances. Started by `cargo xtask bench`; the load comes
// from the same generator as Parley's (`tests/src/bin/loadgen.rs`).
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT ?? 3000);
const server = http.createServer();
const io = new Server(server, {
  transports: ["websocket"],
  serveClient: false,
  perMessageDeflate: false,
});

async function main() {
  if (process.env.REDIS_URL) {
    const { createClient } = require("redis");
    const { createAdapter } = require("@socket.io/redis-adapter");
    const pub = createClient({ url: process.env.REDIS_URL });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    io.adapter(createAdapter(pub, sub));
  }
  io.on("connection", (socket) => {
    socket.on("join", (room, ack) => {
      socket.join(String(room));
      if (typeof ack === "function") ack({ ok: true });
    });
    socket.on("send", (message, ack) => {
      if (!message || typeof message.room !== "string") return;
      io.to(message.room).emit("message", { room: message.room, content: message.content });
      if (typeof ack === "function") ack({ ok: true });
    });
  });
  server.listen(port, "127.0.0.1", () => {
    console.log(`socket.io listening on ${port}${process.env.REDIS_URL ? " with the redis adapter" : ""}`);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
