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
    data: { content, nonce: `n-${Math.random()}`, reply_to: replyTo },
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
  const target = bob.locator(`.message[data-message-id="${first}"]`);
  await expect(target).toHaveCount(0);

  await list.locator(".message", { hasText: "back to that plan" }).locator(".reply-preview").click();
  await expect(target).toBeVisible();
  await expect(target).toHaveClass(/highlighted/);
  await expect(target).toBeFocused();
  await expect(list.locator(".message-content", { hasText: "back to that plan" })).toHaveCount(0);
  await snap(bob, "reply-jumped");

  // A message link opens the channel at that message in a fresh tab.
  const tab = await bob.context().newPage();
  await tab.goto(`${new URL(alice.url()).pathname}/${first}`);
  const linked = tab.locator(`.message[data-message-id="${first}"]`);
  await expect(linked).toBeVisible();
  await expect(linked).toHaveClass(/highlighted/);
  await tab.close();

  // While Bob reads old history, a new message waits; the bar brings him back to the present.
  await post(alice, "meanwhile, now");
  await bob.getByRole("button", { name: /Jump to present/ }).click();
  await expect(list).toContainText("meanwhile, now");
  await expect(list).toContainText("back to that plan");
  await expect(target).toHaveCount(0);
});

test("a reaction shows as a pill, live for the other, and a click takes it back", async ({ browser }) => {
  const { alice, bob } = await twoMembers(browser);
  await expect(alice.getByRole("status").filter({ hasText: "Live" })).toBeVisible();
  await expect(bob.getByRole("status").filter({ hasText: "Live" })).toBeVisible();
  await say(alice, "Ship it?");
  const bobsMessage = bob.locator(".message", { hasText: "Ship it?" });
  await expect(bobsMessage).toBeVisible();

  // Bob picks 🎉 through the picker's search.
  await bobsMessage.hover();
  await bobsMessage.getByRole("button", { name: "Add reaction" }).click();
  const picker = bob.getByRole("dialog", { name: "Pick an emoji" });
  await picker.getByRole("searchbox", { name: "Search emoji" }).fill("party popper");
  await picker.getByRole("button", { name: "party popper" }).click();
  await expect(picker).toHaveCount(0);
  const bobsPill = bobsMessage.locator(".reaction", { hasText: "🎉" });
  await expect(bobsPill).toHaveAttribute("aria-pressed", "true");
  await expect(bobsPill).toContainText("1");

  // Alice sees it at once, and adds hers by clicking the pill.
  const alicesMessage = alice.locator(".message", { hasText: "Ship it?" });
  const alicesPill = alicesMessage.locator(".reaction", { hasText: "🎉" });
  await expect(alicesPill).toContainText("1");
  await expect(alicesPill).toHaveAttribute("aria-pressed", "false");
  await alicesPill.click();
  await expect(alicesPill).toHaveAttribute("aria-pressed", "true");
  await expect(alicesPill).toContainText("2");
  await expect(bobsPill).toContainText("2");
  await expect(bobsPill).toHaveAttribute("aria-pressed", "true");
  await snap(bob, "reactions");

  // Recently used comes first next time.
  await bobsMessage.hover();
  await bobsMessage.getByRole("button", { name: "Add reaction" }).first().click();
  await expect(picker.getByRole("tab", { name: "Recently used" })).toHaveAttribute("aria-selected", "true");
  await expect(picker.getByRole("button", { name: "party popper" })).toBeVisible();
  await picker.press("Escape");
  await expect(picker).toHaveCount(0);

  // Bob takes his back; both see one left, and the pill goes when nobody is left.
  await bobsPill.click();
  await expect(alicesPill).toContainText("1");
  await expect(bobsPill).toHaveAttribute("aria-pressed", "false");
  await alicesPill.click();
  await expect(bobsMessage.locator(".reaction", { hasText: "🎉" })).toHaveCount(0);
});

test("markdown renders safely: code blocks with copy, spoilers, links, large emoji", async ({ browser }) => {
  const { alice, bob } = await twoMembers(browser);
  await expect(bob.getByRole("status").filter({ hasText: "Live" })).toBeVisible();
  await post(alice, "**bold** __under__ ~~gone~~ `code` and ||the butler did it||");
  await post(alice, "```rust\nfn main() {\n    println!(\"hi\");\n}\n```");
  await post(alice, "see https://example.com/docs and [evil](javascript:alert(1)) <img src=x onerror=alert(1)>");
  await post(alice, ":tada: :+1:");
  const list = bob.getByRole("list", { name: "Messages" });

  const styled = list.locator(".message", { hasText: "bold" });
  await expect(styled.locator("strong")).toHaveText("bold");
  await expect(styled.locator("u")).toHaveText("under");
  await expect(styled.locator("s")).toHaveText("gone");
  await expect(styled.locator("code")).toHaveText("code");
  const spoiler = styled.getByRole("button", { name: /Spoiler, hidden/ });
  await expect(spoiler).toHaveAttribute("aria-expanded", "false");
  await expect(spoiler.locator(".spoiler-text")).toBeHidden();
  await spoiler.click();
  await expect(styled.locator(".spoiler")).toHaveAttribute("aria-expanded", "true");
  await expect(styled.locator(".spoiler-text")).toBeVisible();

  const block = list.locator(".code-block");
  await expect(block).toContainText("rust");
  await expect(block.locator("pre code")).toContainText('println!("hi");');
  await expect(block.getByRole("button", { name: "Copy code" })).toBeVisible();

  const links = list.locator(".message", { hasText: "see https://example.com/docs" });
  const link = links.getByRole("link", { name: "https://example.com/docs" });
  await expect(link).toHaveAttribute("href", "https://example.com/docs");
  await expect(link).toHaveAttribute("target", "_blank");
  await expect(link).toHaveAttribute("rel", "noopener noreferrer");
  await expect(link).toHaveAttribute("title", /^example\.com/);
  await expect(links.getByRole("link")).toHaveCount(1);
  await expect(links.locator("img")).toHaveCount(0);
  await expect(links).toContainText("<img src=x onerror=alert(1)>");

  const emoji = list.locator(".message-content", { hasText: "🎉" });
  await expect(emoji).toHaveText("🎉 👍");
  await expect(emoji).toHaveClass(/jumbo/);
  await snap(bob, "markdown");
});

test("@ offers members, and a mention is highlighted for the one named", async ({ browser }) => {
  const { alice, bob } = await twoMembers(browser);
  await expect(bob.getByRole("status").filter({ hasText: "Live" })).toBeVisible();
  const bobsName = (await (await bob.request.get("/api/v1/users/@me")).json()).username as string;
  const composer = alice.getByRole("textbox", { name: /^Message / });
  await composer.fill("ping @");
  await composer.press("End");
  await composer.pressSequentially(bobsName.slice(0, 3));
  const list = alice.getByRole("listbox", { name: "Mention someone" });
  await expect(list.getByRole("option", { name: /Bob/ })).toBeVisible();
  await snap(alice, "mention-autocomplete");
  await composer.press("Enter");
  await expect(composer).toHaveValue(`ping @${bobsName} `);
  await composer.pressSequentially("look at this");
  await composer.press("Enter");

  const bobsView = bob.locator(".message", { hasText: "look at this" });
  await expect(bobsView).toHaveClass(/mentions-me/);
  await expect(bobsView.locator(".mention")).toHaveText(`@${bobsName}`);
  const alicesView = alice.locator(".message", { hasText: "look at this" });
  await expect(alicesView.locator(".mention")).toHaveText(`@${bobsName}`);
  await expect(alicesView).not.toHaveClass(/mentions-me/);

  // A guest's @everyone stays text.
  await say(bob, "hey @everyone");
  const loud = alice.locator(".message", { hasText: "hey @everyone" });
  await expect(loud).toBeVisible();
  await expect(loud.locator(".mention")).toHaveCount(0);
  await expect(loud).not.toHaveClass(/mentions-me/);
});

test("an admin pins a message; the other opens the pins panel and jumps to it", async ({ browser }) => {
  const { alice, bob } = await twoMembers(browser);
  await expect(bob.getByRole("status").filter({ hasText: "Live" })).toBeVisible();
  await say(alice, "The rules: be kind");
  const mine = alice.locator(".message", { hasText: "The rules: be kind" });
  await expect(mine).toBeVisible();
  await mine.hover();
  await mine.getByRole("button", { name: "More actions" }).click();
  await alice.getByRole("menuitem", { name: "Pin message" }).click();
  await expect(mine.locator(".pinned-mark")).toBeVisible();

  const bobs = bob.locator(".message", { hasText: "The rules: be kind" });
  await expect(bobs.locator(".pinned-mark")).toBeVisible();
  // A guest cannot pin in a server.
  await bobs.hover();
  await bobs.getByRole("button", { name: "More actions" }).click();
  await expect(bob.getByRole("menuitem", { name: "Pin message" })).toHaveCount(0);
  await bob.keyboard.press("Escape");

  await bob.getByRole("button", { name: "Pinned messages" }).click();
  const panel = bob.getByRole("dialog", { name: "Pinned messages" });
  await expect(panel).toContainText("The rules: be kind");
  await snap(bob, "pins-panel");
  await panel.getByRole("button", { name: "Jump" }).click();
  await expect(panel).toHaveCount(0);
  await expect(bobs).toHaveClass(/highlighted/);
});

test("a conversation with everything, at desktop and phone sizes", async ({ browser }) => {
  const { alice, bob } = await twoMembers(browser);
  const bobsName = (await (await bob.request.get("/api/v1/users/@me")).json()).username as string;
  const channelId = alice.url().split("/").pop();
  const origin = { Origin: new URL(alice.url()).origin };
  const plan = await post(alice, "# Release plan\n- **freeze** on Friday\n- ship __Monday__ ||maybe||");
  await post(bob, "Sounds good :tada:", plan);
  await post(alice, "```sh\ncargo xtask test\n```");
  await post(alice, `Thanks @${bobsName}, see https://example.com/release`);
  await post(bob, "🚀");
  await alice.request.put(`/api/v1/channels/${channelId}/messages/${plan}/reactions/${encodeURIComponent("👍")}/@me`, { headers: origin });
  await bob.request.put(`/api/v1/channels/${channelId}/messages/${plan}/reactions/${encodeURIComponent("👍")}/@me`, { headers: origin });
  await alice.request.put(`/api/v1/channels/${channelId}/pins/${plan}`, { headers: origin });
  await bob.setViewportSize({ width: 1280, height: 800 });
  const list = bob.getByRole("list", { name: "Messages" });
  await expect(list.locator(".reaction", { hasText: "👍" })).toContainText("2");
  await expect(list.locator(".message.mentions-me")).toHaveCount(1);
  await expect(list.locator(".pinned-mark")).toHaveCount(1);
  await snap(bob, "rich-desktop");
  await bob.setViewportSize({ width: 390, height: 844 });
  await expect(list.locator(".message-content.jumbo")).toBeVisible();
  await snap(bob, "rich-mobile");
});
