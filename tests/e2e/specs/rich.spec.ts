import { expect, test, type Browser, type Page } from "./fixtures";
import { createServer, inviteLink, joinInvite, register, say, snap, uniqueName } from "./helpers";

async function twoMembers(browser: Browser): Promise<{ alice: Page; bob: Page }> {
  const alice = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await register(alice, uniqueName("ra"), "Alice");
  await register(bob, uniqueName("rb"), "Bob");
  await createServer(alice, "Rich");
  const link = await inviteLink(alice);
  await alice.getByRole("button", { name: "Close" }).click();
  await joinInvite(bob, link);
  return { alice, bob };
}

/** Sends through the API as `page`'s user; returns the stored message's id. */
async function post(page: Page, content: string, replyTo?: string): Promise<string> {
  const channelId = page.url().split("/").pop();
  const response = await page.request.post(`/api/v1/channels/${channelId}/messages`, {
    data: { content, nonce: `${content}-${Math.random()}`, reply_to: replyTo },
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(response.ok()).toBeTruthy();
  return (await response.json()).id;
}

test("a reply shows its parent, and clicking it jumps there", async ({ browser }) => {
  const { alice, bob } = await twoMembers(browser);
  await expect(alice.getByRole("status").filter({ hasText: "Live" })).toBeVisible();
  await say(alice, "Lunch at noon?");
  const bobsList = bob.getByRole("list", { name: "Messages" });
  const parent = bob.locator(".message", { hasText: "Lunch at noon?" });
  await expect(parent).toBeVisible();

  // Reply from the message's toolbar: the composer says whom, Escape or the button cancels.
  await parent.hover();
  await parent.getByRole("button", { name: "Reply" }).click();
  const bar = bob.locator(".reply-bar");
  await expect(bar).toContainText("Replying to Alice");
  await bob.getByRole("button", { name: "Cancel reply" }).click();
  await expect(bar).toHaveCount(0);
  await parent.hover();
  await parent.getByRole("button", { name: "Reply" }).click();
  await expect(bar).toContainText("Replying to Alice");
  await snap(bob, "reply-composer");
  await say(bob, "Yes, see you there");
  await expect(bar).toHaveCount(0);

  // Alice sees it live with the preview of her message.
  const reply = alice.locator(".message", { hasText: "Yes, see you there" });
  await expect(reply.locator(".reply-preview")).toContainText("Lunch at noon?");
  await expect(bobsList.locator(".message", { hasText: "Yes, see you there" }).locator(".reply-preview")).toContainText("@Alice");

  // The parent is edited, then deleted: the preview follows, live.
  const parentId = await alice.locator(".message", { hasText: "Lunch at noon?" }).first().getAttribute("data-message-id");
  const channelId = alice.url().split("/").pop();
  const origin = { Origin: new URL(alice.url()).origin };
  await alice.request.patch(`/api/v1/channels/${channelId}/messages/${parentId}`, {
    data: { content: "Lunch at one?" },
    headers: origin,
  });
  const bobsReply = bob.locator(".message", { hasText: "Yes, see you there" });
  await expect(bobsReply.locator(".reply-preview")).toContainText("Lunch at one?");
  await alice.request.delete(`/api/v1/channels/${channelId}/messages/${parentId}`, { headers: origin });
  await expect(bobsReply.locator(".reply-preview")).toContainText("Original message was deleted");
});

test("jumping to a parent far back loads its page, and the present comes back", async ({ browser }) => {
  test.setTimeout(180_000);
  const { alice, bob } = await twoMembers(browser);
  const first = await post(alice, "the very first plan");
  for (let n = 0; n < 200; n += 25) {
    await Promise.all(Array.from({ length: 25 }, (_, i) => post(alice, `filler ${n + i}`)));
  }
  await post(alice, "back to that plan", first);
  await bob.reload();
  const list = bob.getByRole("list", { name: "Messages" });
  await expect(list).toContainText("back to that plan");
  await expect(list).not.toContainText("the very first plan");

  await list.locator(".message", { hasText: "back to that plan" }).locator(".reply-preview").click();
  const target = bob.locator(`.message[data-message-id="${first}"]`);
  await expect(target).toBeVisible();
  await expect(target).toHaveClass(/highlighted/);
  await expect(target).toBeFocused();
  await expect(list).not.toContainText("back to that plan");
  await snap(bob, "reply-jumped");

  // While Bob reads old history, a new message waits; the bar brings him back to the present.
  await post(alice, "meanwhile, now");
  await bob.getByRole("button", { name: /Jump to present/ }).click();
  await expect(list).toContainText("meanwhile, now");
  await expect(list).toContainText("back to that plan");
  await expect(list).not.toContainText("the very first plan");
});
