import { expect, test, type Browser, type Page } from "./fixtures";
import { PNG, createServer, inviteLink, joinInvite, register, serverMenu, snap, uniqueName } from "./helpers";

async function newUser(browser: Browser, prefix: string, displayName: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await register(page, uniqueName(prefix), displayName);
  return page;
}

test("an invited member is promoted and kicked, and their app follows live", async ({ browser }) => {
  const alice = await newUser(browser, "alice", "Alice Admin");
  const bob = await newUser(browser, "bob", "Bob Guest");

  // Alice creates a server with an icon.
  await alice.getByRole("button", { name: "Add a server" }).click();
  const create = alice.getByRole("dialog", { name: "Create a server" });
  await create.getByLabel("Server name").fill("Test Club");
  await create.locator('input[type="file"]').setInputFiles({ name: "icon.png", mimeType: "image/png", buffer: PNG });
  await expect(create.getByRole("img", { name: "Icon preview" })).toBeVisible();
  await snap(alice, "dialog-create-server");
  await create.getByRole("button", { name: "Create" }).click();
  await expect(alice.getByRole("heading", { name: "# general" })).toBeVisible();
  await expect(alice.getByRole("link", { name: "Test Club" }).locator("img")).toBeVisible();

  // She copies the invite link; Bob follows it.
  const link = await inviteLink(alice);
  const invite = alice.getByRole("dialog", { name: "Invite people" });
  expect(link).toMatch(/\/invite\/[A-Za-z0-9]{16}$/);
  await snap(alice, "dialog-invite");
  await invite.getByRole("button", { name: "Close" }).click();

  await joinInvite(bob, link);
  await expect(bob.getByRole("link", { name: "Test Club" })).toBeVisible();
  // Alice sees Bob arrive without reloading.
  await expect(alice.getByRole("complementary", { name: "Members" })).toContainText("Bob Guest");

  // Guests cannot manage channels...
  await expect(bob.getByRole("button", { name: "Create text channel" })).toHaveCount(0);
  // ...until Alice makes Bob a moderator.
  await serverMenu(alice, "Manage members");
  const members = alice.getByRole("dialog", { name: "Manage members" });
  await members.getByLabel("Role of Bob Guest").selectOption("moderator");
  await snap(alice, "dialog-manage-members");
  await expect(bob.getByRole("button", { name: "Create text channel" })).toBeVisible();

  // Kicked, Bob's app leaves the server at once.
  await members.getByRole("button", { name: "Kick Bob Guest" }).click();
  await expect(bob.getByRole("link", { name: "Test Club" })).toHaveCount(0);
  await expect(bob).toHaveURL(/\/channels\/@me$/);
  await expect(members).not.toContainText("Bob Guest");
});

test("channels are created, edited and deleted from their dialogs", async ({ browser }) => {
  const alice = await newUser(browser, "chan", "Channel Keeper");
  const bob = await newUser(browser, "watch", "Watcher");
  await createServer(alice, "Channels Inc");
  const link = await inviteLink(alice);
  await alice.getByRole("button", { name: "Close" }).click();
  await joinInvite(bob, link);

  await alice.getByRole("button", { name: "Create text channel" }).click();
  const create = alice.getByRole("dialog", { name: "Create channel" });
  await create.getByLabel("Channel name").fill("Off Topic");
  await snap(alice, "dialog-create-channel");
  await create.getByRole("button", { name: "Create channel" }).click();
  await expect(alice.getByRole("heading", { name: "# off-topic" })).toBeVisible();
  await expect(bob.getByRole("link", { name: "off-topic" })).toBeVisible();

  await alice.getByRole("button", { name: "Create audio channel" }).click();
  await alice.getByRole("dialog", { name: "Create channel" }).getByLabel("Channel name").fill("Lounge");
  await alice.getByRole("dialog", { name: "Create channel" }).getByRole("button", { name: "Create channel" }).click();
  await expect(alice.getByRole("heading", { level: 1, name: "Lounge" })).toBeVisible();
  await expect(alice.getByText("rooms are coming in a later version")).toBeVisible();

  await alice.getByRole("button", { name: "Edit channel off-topic" }).click();
  const edit = alice.getByRole("dialog", { name: "Edit channel" });
  await edit.getByLabel("Channel name").fill("random");
  await edit.getByLabel("Topic").fill("Anything goes");
  await snap(alice, "dialog-edit-channel");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(bob.getByRole("link", { name: "random" })).toBeVisible();

  await alice.getByRole("button", { name: "Edit channel random" }).click();
  await alice.getByRole("dialog", { name: "Edit channel" }).getByRole("button", { name: "Delete channel" }).click();
  const confirm = alice.getByRole("dialog", { name: "Delete channel" });
  await snap(alice, "dialog-delete-channel");
  await confirm.getByRole("button", { name: "Delete channel" }).click();
  await expect(bob.getByRole("link", { name: "random" })).toHaveCount(0);

  // Renaming the server reaches the other member live.
  await serverMenu(alice, "Server settings");
  const settings = alice.getByRole("dialog", { name: "Server settings" });
  await settings.getByLabel("Server name").fill("Channels Ltd");
  await snap(alice, "dialog-server-settings");
  await settings.getByRole("button", { name: "Save" }).click();
  await expect(bob.locator(".server-header")).toContainText("Channels Ltd");

  // Deleting it sends everyone home.
  await serverMenu(alice, "Server settings");
  await alice.getByRole("dialog", { name: "Server settings" }).getByRole("button", { name: "Delete server" }).click();
  await alice.getByRole("dialog", { name: "Delete server" }).getByRole("button", { name: "Delete server" }).click();
  await expect(alice).toHaveURL(/\/channels\/@me$/);
  await expect(bob).toHaveURL(/\/channels\/@me$/);
});

test("discoverable servers can be joined from Discover, and members leave", async ({ browser }) => {
  const owner = await newUser(browser, "own", "Owner");
  const visitor = await newUser(browser, "vis", "Visitor");
  const name = `Open ${uniqueName("srv")}`;
  await owner.getByRole("button", { name: "Add a server" }).click();
  const create = owner.getByRole("dialog", { name: "Create a server" });
  await create.getByLabel("Server name").fill(name);
  await create.getByLabel(/List it on Discover/).check();
  await create.getByRole("button", { name: "Create" }).click();
  await expect(owner.getByRole("heading", { name: "# general" })).toBeVisible();

  await visitor.getByRole("link", { name: "Discover servers" }).first().click();
  await visitor.getByRole("searchbox", { name: "Search servers" }).fill(name);
  const card = visitor.locator(".discover-card", { hasText: name });
  await expect(card).toContainText("1 member");
  await expect(card).not.toContainText("1 members");
  await snap(visitor, "discover");
  await card.getByRole("button", { name: "Join" }).click();
  await expect(visitor.getByRole("heading", { name: "# general" })).toBeVisible();

  await serverMenu(visitor, "Leave server");
  const confirm = visitor.getByRole("dialog", { name: "Leave server" });
  await snap(visitor, "dialog-leave-server");
  await confirm.getByRole("button", { name: "Leave server" }).click();
  await expect(visitor).toHaveURL(/\/channels\/@me$/);
  await expect(owner.getByRole("complementary", { name: "Members" })).not.toContainText("Visitor");
});

test("an old invite link shows a clear page, and a new one brings signed-out visitors back", async ({ browser, consoleGuard }) => {
  consoleGuard.expect(/status of 404 .*\/api\/v1\/invites\//);
  const owner = await newUser(browser, "inv", "Inviter");
  await createServer(owner, "Rotated");
  const old = await inviteLink(owner);
  const dialog = owner.getByRole("dialog", { name: "Invite people" });
  await dialog.getByRole("button", { name: "Generate a new link" }).click();
  await expect(dialog.getByLabel("Invite link")).not.toHaveValue(old);
  const fresh = await dialog.getByLabel("Invite link").inputValue();

  const context = await browser.newContext();
  const guest = await context.newPage();
  await guest.goto(old);
  await expect(guest.getByRole("heading", { name: "This invite does not work" })).toBeVisible();
  await snap(guest, "invite-invalid");

  await guest.goto(fresh);
  await expect(guest.getByRole("heading", { name: "Rotated" })).toBeVisible();
  await guest.getByRole("link", { name: "Sign in to join" }).click();
  await expect(guest).toHaveURL(/\/login\?next=%2Finvite%2F/);
  await guest.getByRole("link", { name: "Create an account" }).click();
  await guest.getByLabel("Username", { exact: true }).fill(uniqueName("late"));
  await guest.getByLabel("Password").fill("correct horse battery");
  await guest.getByRole("button", { name: "Create account" }).click();
  await guest.getByRole("button", { name: "Join Rotated" }).click();
  await expect(guest.getByRole("heading", { name: "# general" })).toBeVisible();
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });

  test("the server dialogs fit and the navigation collapses", async ({ page }) => {
    await register(page, uniqueName("mob"), "Mobile Admin");
    await page.getByRole("button", { name: "Open navigation" }).click();
    await page.getByRole("button", { name: "Add a server" }).click();
    await page.getByRole("dialog", { name: "Create a server" }).getByLabel("Server name").fill("Pocket");
    await snap(page, "dialog-create-server-phone");
    await page.getByRole("dialog", { name: "Create a server" }).getByRole("button", { name: "Create" }).click();
    await expect(page.getByRole("heading", { name: "# general" })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Servers" })).not.toBeInViewport();
    await snap(page, "channel-phone");
    await page.getByRole("button", { name: "Open navigation" }).click();
    await serverMenu(page, "Invite people");
    await expect(page.getByRole("dialog", { name: "Invite people" })).toBeInViewport();
    await snap(page, "dialog-invite-phone");
  });
});
