// The web app as a daily driver: people type while others talk, read history while messages
// arrive, use only the keyboard, open invites signed out, and use phones.
import { checkA11y, expect, test, type Browser, type Page } from "./fixtures";
import { createServer, inviteLink, joinInvite, register, say, serverMenu, snap, uniqueName } from "./helpers";

interface Pair {
  alice: Page;
  bob: Page;
  channelId: string;
}

async function twoMembers(browser: Browser, server = "Daily"): Promise<Pair> {
  const alice = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await register(alice, uniqueName("da"), "Alice");
  await register(bob, uniqueName("db"), "Bob");
  await createServer(alice, server);
  const link = await inviteLink(alice);
  await alice.getByRole("button", { name: "Close" }).click();
  await joinInvite(bob, link);
  await expect(alice.locator(".connection")).toHaveText("Live");
  await expect(bob.locator(".connection")).toHaveText("Live");
  const channelId = alice.url().split("/").pop() ?? "";
  return { alice, bob, channelId };
}

/** Posts through the API, as another device or a bot would. */
async function post(page: Page, channelId: string, content: string): Promise<string> {
  const response = await page.request.post(`/api/v1/channels/${channelId}/messages`, {
    data: { content, nonce: `${content}-${Math.random()}` },
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(response.ok()).toBeTruthy();
  return (await response.json()).id;
}

function messages(page: Page) {
  return page.getByRole("list", { name: "Messages" });
}

function composer(page: Page) {
  return page.getByRole("textbox", { name: /^Message / });
}

test("what you type survives a burst of messages and edits from someone else", async ({ browser }) => {
  const { alice, bob, channelId } = await twoMembers(browser);
  const box = composer(alice);

  // Your own echo must not eat the next keys: type, Enter, type again at once.
  await box.click();
  await alice.keyboard.type("rapid one");
  await alice.keyboard.press("Enter");
  await alice.keyboard.type("rapid two");
  await alice.keyboard.press("Enter");
  const seen = messages(bob).locator(".message-content");
  await expect(seen.filter({ hasText: /^rapid one$/ })).toHaveCount(1);
  await expect(seen.filter({ hasText: /^rapid two$/ })).toHaveCount(1);

  // A half-written draft with the caret in the middle, while Bob sends and edits.
  await box.fill("half-written draft");
  await box.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(4, 4));
  const ids: string[] = [];
  for (let i = 0; i < 15; i++) {
    await say(bob, `burst ${i}`);
  }
  await expect(messages(alice)).toContainText("burst 14");
  for (const content of ["burst 3", "burst 9"]) {
    ids.push((await bob.locator(".message", { has: bob.locator(".message-content", { hasText: new RegExp(`^${content}$`) }) }).getAttribute("data-message-id")) ?? "");
  }
  for (const id of ids) {
    const edited = await bob.request.patch(`/api/v1/channels/${channelId}/messages/${id}`, {
      data: { content: "edited by Bob" },
      headers: { Origin: new URL(bob.url()).origin },
    });
    expect(edited.ok()).toBeTruthy();
  }
  await expect(messages(alice).getByText("edited by Bob")).toHaveCount(2);
  await expect(box).toHaveValue("half-written draft");
  await expect(box).toBeFocused();
  expect(await box.evaluate((el: HTMLTextAreaElement) => [el.selectionStart, el.selectionEnd])).toEqual([4, 4]);
  await alice.keyboard.type("X");
  await expect(box).toHaveValue("halfX-written draft");

  // An open edit box keeps its text, its caret and its focus while messages arrive.
  await box.fill("");
  await box.press("ArrowUp");
  const editor = alice.getByRole("textbox", { name: "Edit message" });
  await expect(editor).toBeFocused();
  await expect(editor).toHaveValue("rapid two");
  await alice.keyboard.type(" and more");
  for (let i = 0; i < 5; i++) {
    await post(bob, channelId, `during the edit ${i}`);
  }
  await expect(messages(alice)).toContainText("during the edit 4");
  await expect(editor).toHaveValue("rapid two and more");
  await expect(editor).toBeFocused();
  await snap(alice, "typing-while-others-talk");
  await alice.keyboard.press("Enter");
  await expect(messages(bob)).toContainText("rapid two and more");
  await expect(box).toBeFocused();
});

test("reading history stays put while messages arrive, with a bar to jump back", async ({ browser }) => {
  const { alice, bob, channelId } = await twoMembers(browser);
  for (let n = 0; n < 60; n += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, i) => post(alice, channelId, `history ${n + i}`)));
  }
  await bob.reload();
  const list = messages(bob);
  await expect(list.locator(".message")).toHaveCount(50);
  const scroller = bob.getByRole("region", { name: "Message history" });
  // Up a little, below the point where older pages load.
  await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight - el.clientHeight - 600));
  const before = await scroller.evaluate((el) => el.scrollTop);

  for (const text of ["new while reading 1", "new while reading 2", "new while reading 3"]) {
    await say(alice, text);
  }
  const jump = bob.getByRole("button", { name: /Jump to present/ });
  await expect(jump).toBeVisible();
  await expect(list).toContainText("new while reading 3");
  expect(Math.abs((await scroller.evaluate((el) => el.scrollTop)) - before)).toBeLessThanOrEqual(1);
  await snap(bob, "jump-to-present");

  await jump.click();
  await expect(list.getByText("new while reading 3")).toBeInViewport();
  await expect(jump).toHaveCount(0);
  // At the bottom, what arrives comes into view by itself.
  await say(alice, "follow along");
  await expect(list.getByText("follow along")).toBeInViewport();
});

test("message actions, menus and dialogs work from the keyboard alone", async ({ page }) => {
  await register(page, uniqueName("keys"), "Keyboard Kim");
  await createServer(page, "Keys");
  await say(page, "first line");
  await say(page, "second line");
  await expect(messages(page)).toContainText("second line");
  await expect(page.locator(".message.pending")).toHaveCount(0);
  const box = composer(page);

  // The skip link is the first stop on the page, shows when reached, and goes to the composer.
  const skip = page.getByRole("link", { name: "Skip to the message box" });
  const first = await page.evaluate(
    () => document.querySelector("a[href], button, input, textarea, [tabindex]")?.textContent,
  );
  expect(first).toBe("Skip to the message box");
  await skip.focus();
  await expect(skip).toBeInViewport();
  await page.keyboard.press("Enter");
  await expect(box).toBeFocused();

  // Up in the empty composer edits your last message; Escape cancels and comes back.
  await page.keyboard.press("ArrowUp");
  const editor = page.getByRole("textbox", { name: "Edit message" });
  await expect(editor).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(editor).toHaveCount(0);
  await expect(box).toBeFocused();
  await page.keyboard.press("ArrowUp");
  await page.keyboard.type(" (edited by keyboard)");
  await page.keyboard.press("Enter");
  await expect(messages(page)).toContainText("second line (edited by keyboard)");
  await expect(box).toBeFocused();

  // From the composer back into the history; Up and Down walk the messages.
  // (Back past the composer's "Attach files" button and the channel's "Invite people" button,
  // at the top of the history.)
  await page.keyboard.press("Shift+Tab");
  await expect(page.getByRole("button", { name: "Attach files" })).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await expect(page.getByRole("button", { name: "Invite people" })).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await expect(page.getByRole("region", { name: "Message history" })).toBeFocused();
  await page.keyboard.press("ArrowUp");
  const rows = page.locator(".message[data-message-id]");
  await expect(rows.last()).toBeFocused();
  await page.keyboard.press("ArrowUp");
  await expect(rows.nth(-2)).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(rows.last()).toBeFocused();

  // Enter opens the message's actions; arrows move; Escape closes and returns.
  await page.keyboard.press("Enter");
  const menu = page.getByRole("menu", { name: "Message actions" });
  await expect(menu.getByRole("menuitem", { name: "Edit" })).toBeFocused();
  await snap(page, "message-menu-keyboard");
  await page.keyboard.press("Escape");
  await expect(menu).toHaveCount(0);
  await expect(rows.last()).toBeFocused();
  await page.keyboard.press("Enter");
  await page.keyboard.press("End");
  await expect(menu.getByRole("menuitem", { name: "Delete" })).toBeFocused();
  await page.keyboard.press("Enter");

  // The confirmation traps focus and starts on its first control.
  const confirm = page.getByRole("dialog", { name: "Delete message" });
  await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(confirm.getByRole("button", { name: "Delete" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(confirm.getByRole("button", { name: "Close" })).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await expect(confirm.getByRole("button", { name: "Delete" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(rows.last()).toContainText("This message has been deleted.");
  await expect(rows.last()).toBeFocused();

  // The server menu: Enter opens it, Escape closes it onto its button, outside clicks close it.
  const menuButton = page.locator(".server-menu-button");
  await menuButton.focus();
  await page.keyboard.press("Enter");
  const serverMenuEl = page.getByRole("menu", { name: "Server menu" });
  await expect(serverMenuEl.getByRole("menuitem", { name: "Invite people" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(serverMenuEl).toHaveCount(0);
  await expect(menuButton).toBeFocused();
  await page.keyboard.press("Enter");
  await page.keyboard.press("End");
  await page.keyboard.press("ArrowUp");
  await expect(serverMenuEl.getByRole("menuitem", { name: "Create channel" })).toBeFocused();
  await page.keyboard.press("Enter");
  const create = page.getByRole("dialog", { name: "Create channel" });
  await expect(create.getByLabel("Channel name")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(create).toHaveCount(0);
  await expect(menuButton).toBeFocused();
  await menuButton.click();
  await expect(serverMenuEl).toBeVisible();
  await messages(page).click({ position: { x: 5, y: 5 } });
  await expect(serverMenuEl).toHaveCount(0);
});

test("drafts are kept per channel, across channel switches and reloads", async ({ page }) => {
  await register(page, uniqueName("draft"), "Drafty");
  await createServer(page, "Drafts");
  await page.getByRole("button", { name: "Create text channel" }).click();
  await page.getByRole("dialog", { name: "Create channel" }).getByLabel("Channel name").fill("second");
  await page.getByRole("dialog", { name: "Create channel" }).getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByRole("heading", { name: "# second" })).toBeVisible();
  await composer(page).fill("draft in second");

  await page.getByRole("link", { name: "general" }).click();
  await expect(page.getByRole("heading", { name: "# general" })).toBeVisible();
  await expect(composer(page)).toHaveValue("");
  // Switching channel on a desktop puts the cursor in the composer.
  await expect(composer(page)).toBeFocused();
  await composer(page).fill("draft in general");
  await page.getByRole("link", { name: "second" }).click();
  await expect(composer(page)).toHaveValue("draft in second");

  await page.reload();
  await expect(composer(page)).toHaveValue("draft in second");
  await page.getByRole("link", { name: "general" }).click();
  await expect(composer(page)).toHaveValue("draft in general");
  // Sending clears it for good.
  await composer(page).press("Enter");
  await expect(messages(page)).toContainText("draft in general");
  await page.reload();
  await expect(composer(page)).toHaveValue("");
});

test("offline, the app says so, a send fails in plain words and is retried", async ({ browser, consoleGuard }) => {
  const { alice, bob } = await twoMembers(browser, "Offline");
  await say(bob, "are you there?");
  await expect(messages(alice)).toContainText("are you there?");
  // The browser reports failed requests while offline; that is what this test is about.
  consoleGuard.expect(/ERR_INTERNET_DISCONNECTED/, /WebSocket/);

  await alice.context().setOffline(true);
  await expect(alice.locator(".connection")).toHaveText("Offline");
  await say(alice, "sent while offline");
  const pending = alice.locator(".message.pending");
  await expect(pending).toContainText("Alice");
  await expect(pending).toContainText("Could not send — check your connection.");
  await snap(alice, "send-failed-offline");

  await alice.context().setOffline(false);
  await expect(alice.locator(".connection")).toHaveText("Live", { timeout: 30_000 });
  await pending.getByRole("button", { name: "Retry" }).click();
  await expect(messages(bob).getByText("sent while offline")).toHaveCount(1);
  await expect(alice.locator(".message.pending")).toHaveCount(0);
});

test("times read as people say them, with a divider for each day", async ({ page }) => {
  await register(page, uniqueName("time"), "Timely");
  await createServer(page, "Clocks");
  await say(page, "one");
  await say(page, "two");
  const first = page.locator(".message", { hasText: "one" });
  await expect(first.locator(".message-meta time")).toHaveText(/^Today at \d{1,2}:\d{2}/);
  await expect(first.locator(".message-meta time")).toHaveAttribute("title", /\d{4}/);
  // The second line joins the first; its time shows on hover.
  const second = page.locator(".message", { hasText: "two" });
  await expect(second).toHaveClass(/compact/);
  await second.hover();
  await expect(second.locator(".compact-time")).toBeVisible();
  const today = await page.evaluate(() => new Date().toLocaleDateString("default", { dateStyle: "long" }));
  await expect(page.getByRole("separator", { name: today })).toHaveCount(1);
});

test("an invite shows where it leads, signed in or out, and joins only on a click", async ({ browser }) => {
  const owner = await (await browser.newContext()).newPage();
  await register(owner, uniqueName("host"), "Host");
  await createServer(owner, "Preview Club");
  const link = await inviteLink(owner);
  await owner.getByRole("button", { name: "Close" }).click();

  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(link);
  await expect(visitor.getByRole("heading", { name: "Preview Club" })).toBeVisible();
  await expect(visitor.getByText("1 member", { exact: true })).toBeVisible();
  await expect(visitor.getByRole("link", { name: "Sign in to join" })).toBeVisible();
  await checkA11y(visitor, "invite, signed out");
  await snap(visitor, "invite-signed-out");

  await visitor.getByRole("link", { name: "Create an account to join" }).click();
  await expect(visitor).toHaveURL(/\/register\?next=%2Finvite%2F/);
  await visitor.getByLabel("Username", { exact: true }).fill(uniqueName("vis"));
  await visitor.getByLabel("Display name").fill("Visitor");
  await visitor.getByLabel("Password").fill("correct horse battery");
  await visitor.getByRole("button", { name: "Create account" }).click();

  // Back on the invite, signed in, and not a member until the click.
  const join = visitor.getByRole("button", { name: "Join Preview Club" });
  await expect(join).toBeVisible();
  await checkA11y(visitor, "invite, signed in");
  await snap(visitor, "invite-signed-in");
  const mine = await visitor.request.get("/api/v1/servers");
  expect(await mine.json()).toEqual([]);
  await join.click();
  await expect(visitor.getByRole("heading", { name: "# general" })).toBeVisible();
  await expect(owner.getByRole("complementary", { name: "Members" })).toContainText("Visitor");

  // Opening it again says so instead of joining twice.
  await visitor.goto(link);
  await expect(visitor.getByRole("button", { name: "Open server" })).toBeVisible();
});

test("a new account is offered the ways in, and can join with a pasted invite", async ({ browser }) => {
  const owner = await (await browser.newContext()).newPage();
  await register(owner, uniqueName("own"), "Owner");
  await createServer(owner, "Pasted");
  // A server of one says how to invite people, with the button.
  await expect(owner.getByRole("heading", { name: "Welcome to #general!" })).toBeVisible();
  await expect(owner.getByText("you are the only member")).toBeVisible();
  await owner.getByRole("button", { name: "Invite people" }).first().click();
  const field = owner.getByRole("dialog", { name: "Invite people" }).getByLabel("Invite link");
  await expect(field).toHaveValue(/\/invite\/[A-Za-z0-9]{16}$/);
  const link = await field.inputValue();
  await checkA11y(owner, "new server channel with the invite dialog");
  await owner.getByRole("button", { name: "Close" }).click();

  const page = await (await browser.newContext()).newPage();
  await register(page, uniqueName("new"), "Newcomer");
  await expect(page.getByRole("button", { name: /Create a server/ })).toBeVisible();
  await expect(page.getByRole("link", { name: /Discover servers/ }).last()).toBeVisible();
  await checkA11y(page, "home, new account");
  await snap(page, "home-new-account");
  await page.getByRole("button", { name: /Join with an invite/ }).click();
  const dialog = page.getByRole("dialog", { name: "Join a server" });
  await expect(dialog.getByLabel("Invite link or code")).toBeFocused();
  await dialog.getByLabel("Invite link or code").fill("not a link at all");
  await dialog.getByRole("button", { name: "Continue" }).click();
  await expect(dialog).toContainText("is not an invite link or code");
  await dialog.getByLabel("Invite link or code").fill(link);
  await dialog.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("button", { name: "Join Pasted" }).click();
  await expect(page.getByRole("heading", { name: "# general" })).toBeVisible();
  await expect(owner.getByText("you are the only member")).toHaveCount(0);
});

test("every main screen passes axe, in both themes", async ({ browser, page }) => {
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Welcome back" })).toBeVisible();
  await checkA11y(page, "login");
  await page.goto("/register");
  await checkA11y(page, "register");

  const { alice } = await twoMembers(browser, "Accessible");
  await say(alice, "hello axe");
  await expect(messages(alice)).toContainText("hello axe");
  for (const theme of ["light", "dark"]) {
    await alice.evaluate((t) => {
      localStorage.setItem("parley.theme", t);
      document.documentElement.dataset.theme = t;
    }, theme);
    await checkA11y(alice, `channel (${theme})`);
  }
  await alice.locator(".message", { hasText: "hello axe" }).hover();
  await alice.getByRole("button", { name: "More actions" }).click();
  await checkA11y(alice, "message menu");
  await alice.keyboard.press("Escape");
  await serverMenu(alice, "Server settings");
  await checkA11y(alice, "server settings");
  await alice.getByRole("button", { name: "Close" }).click();
  await alice.getByRole("link", { name: "Discover servers" }).click();
  await checkA11y(alice, "discover");
  await alice.goto("/settings");
  await expect(alice.getByRole("heading", { name: "Access tokens" })).toBeVisible();
  await checkA11y(alice, "settings");
  await alice.getByRole("link", { name: "Home" }).click();
  await alice.getByRole("button", { name: "New message" }).click();
  await checkA11y(alice, "new message dialog");
});

test.describe("on a 390 px phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test("a send button, the member drawer and long-press actions", async ({ page, browser }) => {
    await register(page, uniqueName("ph"), "Phoebe Phone");
    await expect(page.getByRole("button", { name: /Create a server/ })).toBeInViewport();
    await snap(page, "home-phone");
    await page.getByRole("button", { name: /Create a server/ }).click();
    await page.getByRole("dialog", { name: "Create a server" }).getByLabel("Server name").fill("Pocket Club");
    await page.getByRole("dialog", { name: "Create a server" }).getByRole("button", { name: "Create" }).click();
    await expect(page.getByRole("heading", { name: "# general" })).toBeVisible();

    const box = composer(page);
    await box.fill("sent with the button");
    const send = page.getByRole("button", { name: "Send message" });
    await expect(send).toBeInViewport();
    await send.tap();
    await expect(messages(page)).toContainText("sent with the button");
    await expect(box).toHaveValue("");
    await checkA11y(page, "channel on a phone");
    await snap(page, "channel-phone-send");

    // The member list is a drawer behind a header button.
    const members = page.getByRole("complementary", { name: "Members" });
    await expect(members).toHaveCount(0);
    await page.getByRole("button", { name: "Member list" }).tap();
    await expect(members).toBeInViewport();
    await expect(members).toContainText("Phoebe Phone");
    await snap(page, "members-drawer-phone");
    await page.keyboard.press("Escape");
    await expect(members).toHaveCount(0);

    // A long press opens the same actions as the desktop toolbar, with the full date.
    const row = page.locator(".message", { hasText: "sent with the button" });
    await row.dispatchEvent("pointerdown", { pointerType: "touch", isPrimary: true });
    const menu = page.getByRole("menu", { name: "Message actions" });
    await expect(menu).toBeVisible();
    await expect(page.locator(".message-menu .menu-header")).toHaveText(/\d{4}/);
    await expect(menu.getByRole("menuitem", { name: "Edit" })).toBeInViewport();
    await checkA11y(page, "long-press menu on a phone");
    await snap(page, "message-menu-phone");
    await menu.getByRole("menuitem", { name: "Edit" }).tap();
    await expect(page.getByRole("textbox", { name: "Edit message" })).toBeVisible();

    // Names are not cut off where there is room.
    const title = page.getByRole("heading", { level: 1, name: "# general" });
    expect(await title.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    void browser;
  });
});
