import { deflateSync } from "node:zlib";
import { expect, test, type Browser, type Page } from "./fixtures";
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

/** A width×height PNG with a colourful gradient, so thumbnails and the viewer show something. */
function gradientPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = Math.round((x / width) * 255);
      row[2 + x * 3] = Math.round((y / height) * 255);
      row[3 + x * 3] = 160;
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

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

async function twoMembers(browser: Browser, bobOnAPhone = false): Promise<{ alice: Page; bob: Page }> {
  const alice = await (await browser.newContext()).newPage();
  const bob = await (
    await browser.newContext(
      bobOnAPhone ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } : {},
    )
  ).newPage();
  await register(alice, uniqueName("fa"), "Alice");
  await register(bob, uniqueName("fb"), "Bob");
  await createServer(alice, "Photos");
  const link = await inviteLink(alice);
  await alice.getByRole("button", { name: "Close" }).click();
  await joinInvite(bob, link);
  return { alice, bob };
}

/** Drops files on the channel as a file manager would. */
async function dropFiles(page: Page, files: { name: string; type: string; base64: string }[]): Promise<void> {
  const dataTransfer = await page.evaluateHandle((files) => {
    const transfer = new DataTransfer();
    for (const file of files) {
      const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], file.name, { type: file.type }));
    }
    return transfer;
  }, files);
  const target = page.getByRole("list", { name: "Messages" });
  await target.dispatchEvent("dragover", { dataTransfer });
  await target.dispatchEvent("drop", { dataTransfer });
}

test("a dropped picture and PDF reach the other member: inline picture, viewer, download", async ({
  browser,
}) => {
  const { alice, bob } = await twoMembers(browser, true);
  await dropFiles(alice, [
    { name: "sunset.png", type: "image/png", base64: gradientPng(900, 600).toString("base64") },
    { name: "report.pdf", type: "application/pdf", base64: PDF.toString("base64") },
  ]);
  const tray = alice.getByRole("list", { name: "Files to send" });
  await expect(tray.getByText("Ready")).toHaveCount(2);
  await snap(alice, "attachments-tray");
  const composer = alice.getByRole("textbox", { name: /^Message / });
  await composer.fill("Look at this");
  await composer.press("Enter");
  await expect(tray).toHaveCount(0);

  // Bob, on a phone, sees the picture inline (at its size before it loads) and the PDF's card.
  const picture = bob.getByRole("button", { name: "Open sunset.png" });
  await expect(picture).toBeVisible();
  await expect(picture.locator("img")).toHaveJSProperty("complete", true);
  expect(await picture.locator("img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(400);
  await expect(bob.locator(".attachment-card")).toContainText("report.pdf");
  const width = await bob.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  await snap(bob, "attachments-phone");

  await picture.click();
  const viewer = bob.getByRole("dialog", { name: "sunset.png" });
  await expect(viewer.locator("img")).toHaveJSProperty("naturalWidth", 900);
  await expect(viewer.getByRole("link", { name: "Download sunset.png" })).toBeVisible();
  await snap(bob, "attachments-viewer-phone");
  await bob.keyboard.press("Escape");
  await expect(viewer).toHaveCount(0);

  const [download] = await Promise.all([
    bob.waitForEvent("download"),
    bob.getByRole("link", { name: "Download report.pdf" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("report.pdf");

  await expect(alice.getByRole("button", { name: "Open sunset.png" })).toBeVisible();
  await snap(alice, "attachments-desktop");
});

test("uploads show their progress, can be cancelled, and refused files say why", async ({
  page,
  consoleGuard,
}) => {
  await register(page, uniqueName("fp"), "Pat");
  await createServer(page, "Uploads");
  // Hold the bytes on their way, to see the upload under way.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/v1/attachments/*", async (route) => {
    if (route.request().method() === "PUT") await held;
    // A cancelled upload's request is gone by then.
    await route.continue().catch(() => {});
  });
  const picker = page.locator("input.file-picker");
  await picker.setInputFiles([
    { name: "big.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(2 * 1024 * 1024, 7) },
    { name: "oops.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(1000, 1) },
  ]);
  await expect(page.getByRole("progressbar", { name: "Uploading big.bin" })).toBeVisible();
  await snap(page, "attachments-progress");
  await page.getByRole("button", { name: "Remove oops.bin" }).click();
  await expect(page.getByText("oops.bin")).toHaveCount(0);
  // Sending waits for the files, and says so until they are up.
  await page.getByRole("textbox", { name: /^Message / }).press("Enter");
  const wait = page.getByText("Wait for the files to finish uploading.");
  await expect(wait).toBeVisible();
  release();
  await expect(page.getByRole("list", { name: "Files to send" }).getByText("Ready")).toHaveCount(1);
  await expect(wait).toHaveCount(0);

  // A page dressed up as a picture is refused by the server, with its reason.
  consoleGuard.expect(/415/);
  await picker.setInputFiles([
    { name: "cat.png", mimeType: "image/png", buffer: Buffer.from("<html><script>alert(1)</script></html>") },
  ]);
  await expect(page.getByRole("list", { name: "Files to send" }).getByRole("alert")).toContainText(
    "not an image",
  );
  await snap(page, "attachments-refused");
});

test("an uploaded page or SVG never runs: it is a download", async ({ browser }) => {
  const { alice, bob } = await twoMembers(browser);
  const picker = alice.locator("input.file-picker");
  await picker.setInputFiles([
    { name: "evil.html", mimeType: "text/html", buffer: Buffer.from("<script>alert('pwned')</script>") },
    { name: "evil.svg", mimeType: "image/svg+xml", buffer: Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>") },
  ]);
  await expect(alice.getByRole("list", { name: "Files to send" }).getByText("Ready")).toHaveCount(2);
  await alice.getByRole("textbox", { name: /^Message / }).press("Enter");
  let dialogs = 0;
  bob.on("dialog", async (dialog) => {
    dialogs++;
    await dialog.dismiss();
  });
  // Both are cards, never pictures or frames.
  await expect(bob.locator(".attachment-card")).toHaveCount(2);
  await expect(bob.locator(".attachments img")).toHaveCount(0);
  for (const name of ["evil.html", "evil.svg"]) {
    const [download] = await Promise.all([
      bob.waitForEvent("download"),
      bob.getByRole("link", { name: `Download ${name}` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(name);
  }
  // Even opened directly, the page is a download, not a document of our origin.
  const url = await bob.locator(".attachment-card a.attachment-name").first().getAttribute("href");
  const response = await bob.request.get(url ?? "");
  expect(response.headers()["content-security-policy"]).toBe("sandbox");
  expect(response.headers()["content-disposition"]).toMatch(/^attachment;/);
  expect(response.headers()["content-type"]).toBe("application/octet-stream");
  expect(dialogs).toBe(0);
});
