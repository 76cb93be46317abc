import { deflateSync } from "node:zlib";
import { expect, test } from "./fixtures";
import { createServer, inviteLink, joinInvite, register, snap, uniqueName } from "./helpers";

/** PNG's CRC-32. */
function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A 300×300 PNG: an orange disc on teal, a face of sorts. */
function portrait(): Buffer {
  const side = 300;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows: Buffer[] = [];
  for (let y = 0; y < side; y++) {
    const row = Buffer.alloc(1 + side * 3);
    for (let x = 0; x < side; x++) {
      const inside = (x - 150) ** 2 + (y - 150) ** 2 < 90 ** 2;
      row.set(inside ? [240, 140, 40] : [20, 130, 140], 1 + x * 3);
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

test("a new avatar is seen live by another member", async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await register(alice, uniqueName("aa"), "Alice");
  await register(bob, uniqueName("ab"), "Bob");
  await createServer(alice, "Faces");
  const link = await inviteLink(alice);
  await alice.getByRole("button", { name: "Close" }).click();
  await joinInvite(bob, link);
  const alicesEntry = bob.locator(".member-entry", { hasText: "Alice" });
  await expect(alicesEntry).toBeVisible();
  await expect(alicesEntry.locator("img")).toHaveCount(0);

  await alice.goto("/settings");
  await alice.getByLabel("Profile picture").setInputFiles({
    name: "me.png",
    mimeType: "image/png",
    buffer: portrait(),
  });
  const mine = alice.getByRole("region", { name: "Your account" }).locator("img.avatar-picture");
  await expect(mine).toBeVisible();
  await expect(alice.getByRole("button", { name: "Remove picture" })).toBeVisible();
  await snap(alice, "settings-avatar");

  // Bob, still in the channel, sees it without reloading.
  await expect(alicesEntry.locator("img.avatar-picture")).toHaveJSProperty("naturalWidth", 256);
  await snap(bob, "avatar-live-member-list");

  await alice.getByRole("button", { name: "Remove picture" }).click();
  await expect(alicesEntry.locator("img")).toHaveCount(0);
});
