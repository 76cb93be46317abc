import { expect, test, type Browser, type Page } from "./fixtures";
import { createServer, inviteLink, joinInvite, register, say, snap, uniqueName } from "./helpers";

async function twoMembers(browser: Browser): Promise<{ alice: Page; bob: Page }> {
  const alice = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await register(alice, uniqueName("ma"), "Alice");
  await register(bob, uniqueName("mb"), "Bob");
  await createServer(alice, "Chatters");
  const link = await inviteLink(alice);
  await alice.getByRole("button", { name: "Close" }).click();
  await joinInvite(bob, link);
  return { alice, bob };
}

test("messages, edits and deletes are seen live by the other member", async ({ browser }) => {
  const { alice, bob } = await twoMembers(browser);
  const bobsList = bob.getByRole("list", { name: "Messages" });
  await expect(alice.getByRole("status").filter({ hasText: "Live" })).toBeVisible();

  await say(alice, "Hello Bob!");
  await expect(bobsList).toContainText("Hello Bob!");
  await say(bob, "Hi Alice,\nhow are you?");
  await expect(alice.getByRole("list", { name: "Messages" })).toContainText("how are you?");

  // Inline edit: Escape cancels, Enter saves.
  const id = await alice.locator(".message", { hasText: "Hello Bob!" }).getAttribute("data-message-id");
  const mine = alice.locator(`.message[data-message-id="${id}"]`);
  await mine.hover();
  await mine.getByRole("button", { name: "Edit message" }).click();
  await mine.getByRole("textbox", { name: "Edit message" }).fill("Never mind");
  await mine.getByRole("textbox", { name: "Edit message" }).press("Escape");
  await expect(mine).toContainText("Hello Bob!");
  await mine.hover();
  await mine.getByRole("button", { name: "Edit message" }).click();
  await mine.getByRole("textbox", { name: "Edit message" }).fill("Hello Bob, edited!");
  await snap(alice, "message-editing");
  await mine.getByRole("textbox", { name: "Edit message" }).press("Enter");
  await expect(bobsList).toContainText("Hello Bob, edited! (edited)");

  // Delete with confirmation: the message keeps its place, in italics.
  const edited = mine;
  await expect(edited).toContainText("Hello Bob, edited!");
  await edited.hover();
  await edited.getByRole("button", { name: "Delete message" }).click();
  await snap(alice, "dialog-delete-message");
  await alice.getByRole("dialog", { name: "Delete message" }).getByRole("button", { name: "Delete" }).click();
  await expect(bobsList).toContainText("This message has been deleted.");
  await expect(bob.locator(".message.deleted")).toHaveCount(1);
  // Bob cannot edit or delete Alice's messages.
  const theirs = bob.locator(".message.deleted");
  await expect(theirs.getByRole("button", { name: "Edit message" })).toHaveCount(0);
  await snap(bob, "channel-desktop");
});

test("scrolling up walks back through 500 messages", async ({ browser }) => {
  test.setTimeout(180_000);
  const { alice, bob } = await twoMembers(browser);
  const channelUrl = alice.url();
  const channelId = channelUrl.split("/").pop();
  for (let n = 0; n < 500; n += 25) {
    await Promise.all(
      Array.from({ length: 25 }, async (_, i) => {
        const response = await alice.request.post(`/api/v1/channels/${channelId}/messages`, {
          data: { content: `history ${n + i}`, nonce: `seed-${n + i}` },
          headers: { Origin: new URL(channelUrl).origin },
        });
        expect(response.ok()).toBeTruthy();
      }),
    );
  }
  await bob.reload();
  const list = bob.getByRole("list", { name: "Messages" });
  await expect(list).toContainText("history 499");
  await expect(list).not.toContainText("history 0\n");
  const scroller = bob.getByRole("region", { name: "Message history" });
  const beginning = bob.getByRole("heading", { name: "Welcome to #general!" });
  // Each scroll to the top loads the page before; keep going until the beginning shows.
  await expect(async () => {
    await scroller.evaluate((el) => (el.scrollTop = 0));
    await expect(beginning).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 150_000 });
  await expect(list.locator(".message")).toHaveCount(500);
  const shown = (await list.locator(".message-content").allTextContents()).map((t) => t.trim());
  expect(new Set(shown).size).toBe(500);
  // Each batch of 25 was sent at once, so the oldest is one of the first batch.
  expect(Number(shown[0].replace("history ", ""))).toBeLessThan(25);
});

test("when the socket is cut the app polls every second, then goes live again", async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  let blocked = false;
  let current: { close: () => Promise<void> } | undefined;
  await bob.routeWebSocket(/\/api\/v1\/gateway/, (ws) => {
    if (blocked) {
      void ws.close();
      return;
    }
    current = ws;
    ws.connectToServer();
  });
  await register(alice, uniqueName("pa"), "Alice");
  await register(bob, uniqueName("pb"), "Bob");
  await createServer(alice, "Flaky");
  const link = await inviteLink(alice);
  await alice.getByRole("button", { name: "Close" }).click();
  await joinInvite(bob, link);
  const indicator = bob.locator(".connection");
  await expect(indicator).toHaveText("Live");

  blocked = true;
  await current?.close();
  await expect(indicator).toHaveText("Polling every 1s");
  await snap(bob, "polling");
  // Messages still arrive while polling.
  await say(alice, "Are you there?");
  await expect(bob.getByRole("list", { name: "Messages" })).toContainText("Are you there?");

  blocked = false;
  // Reconnecting waits up to a second between tries; give a loaded machine room.
  await expect(indicator).toHaveText("Live", { timeout: 30_000 });
  await say(alice, "Back live");
  await expect(bob.getByRole("list", { name: "Messages" })).toContainText("Back live");
});
