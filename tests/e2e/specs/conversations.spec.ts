import { expect, test, type Browser, type Page } from "./fixtures";
import { createServer, inviteLink, joinInvite, register, say, snap, uniqueName } from "./helpers";

async function person(browser: Browser, prefix: string, name: string): Promise<{ page: Page; username: string }> {
  const page = await (await browser.newContext()).newPage();
  const username = uniqueName(prefix);
  await register(page, username, name);
  return { page, username };
}

test("a member list opens a direct conversation and both chat live", async ({ browser }) => {
  const ann = await person(browser, "ann", "Ann");
  const ben = await person(browser, "ben", "Ben");
  await createServer(ann.page, "Shared Place");
  const link = await inviteLink(ann.page);
  await ann.page.getByRole("button", { name: "Close" }).click();
  await joinInvite(ben.page, link);

  const members = ann.page.getByRole("complementary", { name: "Members" });
  await members.getByText("Ben").hover();
  await members.getByRole("button", { name: "Message Ben" }).click();
  await expect(ann.page).toHaveURL(/\/channels\/@me\/[0-9a-f-]{36}$/);
  await expect(ann.page.getByRole("heading", { level: 1, name: "Ben" })).toBeVisible();

  await say(ann.page, "Hi Ben, just us here");
  // Ben's list shows the conversation the moment the first message arrives.
  await ben.page.getByRole("link", { name: "Home" }).click();
  const bensList = ben.page.getByRole("list", { name: "Conversations" });
  await expect(bensList).toContainText("Ann");
  await expect(bensList).toContainText("Hi Ben, just us here");
  await bensList.getByRole("link", { name: /Ann/ }).click();
  await expect(ben.page.getByRole("list", { name: "Messages" })).toContainText("Hi Ben, just us here");
  await say(ben.page, "Hello Ann!");
  await expect(ann.page.getByRole("list", { name: "Messages" })).toContainText("Hello Ann!");
  await expect(ann.page.getByRole("list", { name: "Conversations" })).toContainText("Ben: Hello Ann!");
  await snap(ann.page, "conversation-direct");
});

test("a group of three chats, is renamed, and one leaves", async ({ browser }) => {
  const cat = await person(browser, "cat", "Cat");
  const dan = await person(browser, "dan", "Dan");
  const eve = await person(browser, "eve", "Eve");
  await createServer(cat.page, "Trio");
  const link = await inviteLink(cat.page);
  await cat.page.getByRole("button", { name: "Close" }).click();
  for (const other of [dan, eve]) {
    await joinInvite(other.page, link);
  }

  await cat.page.getByRole("link", { name: "Home" }).click();
  await cat.page.getByRole("button", { name: "New message" }).click();
  const picker = cat.page.getByRole("dialog", { name: "New message" });
  for (const other of [dan, eve]) {
    await picker.getByRole("searchbox", { name: "Find people" }).fill(other.username);
    await picker.getByRole("listitem").filter({ hasText: other.username }).getByRole("checkbox").check();
  }
  await snap(cat.page, "dialog-new-message");
  await picker.getByRole("button", { name: "Start conversation" }).click();
  await expect(cat.page.getByRole("heading", { level: 1, name: "Dan, Eve" })).toBeVisible();

  // The others see the group at once and chat in it.
  for (const other of [dan, eve]) {
    await other.page.getByRole("link", { name: "Home" }).click();
  }
  await expect(dan.page.getByRole("list", { name: "Conversations" })).toContainText("Cat, Eve");
  await dan.page.getByRole("list", { name: "Conversations" }).getByRole("link").first().click();
  await eve.page.getByRole("list", { name: "Conversations" }).getByRole("link").first().click();
  await say(dan.page, "Group hello");
  await expect(cat.page.getByRole("list", { name: "Messages" })).toContainText("Group hello");
  await expect(eve.page.getByRole("list", { name: "Messages" })).toContainText("Group hello");

  // Renamed by anyone in it, live for all.
  await eve.page.getByRole("button", { name: "Rename" }).click();
  await eve.page.getByRole("dialog", { name: "Rename group" }).getByLabel("Group name").fill("Weekend plans");
  await eve.page.getByRole("dialog", { name: "Rename group" }).getByRole("button", { name: "Save" }).click();
  await expect(cat.page.getByRole("heading", { level: 1, name: "Weekend plans" })).toBeVisible();
  await expect(dan.page.getByRole("list", { name: "Conversations" })).toContainText("Weekend plans");
  await snap(cat.page, "conversation-group");

  // Eve leaves: gone for her, the others go on.
  await eve.page.getByRole("button", { name: "Leave" }).click();
  await snap(eve.page, "dialog-leave-group");
  await eve.page.getByRole("dialog", { name: "Leave conversation" }).getByRole("button", { name: "Leave" }).click();
  await expect(eve.page).toHaveURL(/\/channels\/@me$/);
  await expect(eve.page.getByRole("list", { name: "Conversations" })).not.toContainText("Weekend plans");
  await expect(cat.page.getByText("2 people")).toBeVisible();
  await say(cat.page, "Just the two of us now");
  await expect(dan.page.getByRole("list", { name: "Messages" })).toContainText("Just the two of us now");
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });

  test("the list and the conversation are separate screens", async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const fay = await context.newPage();
    const gus = await person(browser, "gus", "Gus");
    await register(fay, uniqueName("fay"), "Fay");
    await gus.page.goto("/settings");
    await gus.page.getByLabel(/Anyone may message me/).check();
    await gus.page.getByRole("button", { name: "Save" }).click();
    await expect(gus.page.getByText("Saved.")).toBeVisible();

    await fay.getByRole("button", { name: "Open navigation" }).click();
    await fay.getByRole("button", { name: "New message" }).click();
    const picker = fay.getByRole("dialog", { name: "New message" });
    await picker.getByRole("searchbox", { name: "Find people" }).fill(gus.username);
    await picker.getByRole("listitem").filter({ hasText: gus.username }).getByRole("checkbox").check();
    await picker.getByRole("button", { name: "Start conversation" }).click();
    await expect(fay.getByRole("heading", { level: 1, name: "Gus" })).toBeVisible();
    await expect(fay.getByRole("navigation", { name: "Servers" })).not.toBeInViewport();
    await say(fay, "Hello from a phone");
    await expect(fay.getByRole("list", { name: "Messages" })).toContainText("Hello from a phone");
    await snap(fay, "conversation-phone");
    await fay.getByRole("button", { name: "Open navigation" }).click();
    await expect(fay.getByRole("list", { name: "Conversations" })).toBeInViewport();
    await snap(fay, "conversation-list-phone");
  });
});
