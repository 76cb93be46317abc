import { expect, test } from "./fixtures";
import { PASSWORD, createServer, logIn, register, snap, uniqueName } from "./helpers";

test("a visitor registers, logs out and logs back in", async ({ page, consoleGuard }) => {
  // The wrong password below is answered 401, which the browser logs.
  consoleGuard.expect(/status of 401 .*\/api\/v1\/auth\/login/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
  await snap(page, "login-desktop");

  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
  await snap(page, "register-desktop");

  const username = uniqueName("ada");
  await register(page, username, "Ada Lovelace");
  await expect(page).toHaveURL(/\/channels\/@me$/);
  const panel = page.getByRole("region", { name: "Your account" });
  await expect(panel).toContainText("Ada Lovelace");
  await expect(panel).toContainText(`@${username}`);
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace!" })).toBeVisible();
  await snap(page, "shell-desktop");

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/channels/@me");
  await expect(page).toHaveURL(/\/login/);

  await logIn(page, username, "not my password");
  await expect(page.getByRole("alert")).toContainText("Wrong username, email or password");
  await logIn(page, username.toUpperCase());
  await expect(panel).toContainText("Ada Lovelace");
});

test("registration errors appear next to their fields", async ({ page, consoleGuard }) => {
  consoleGuard.expect(/status of 409 .*\/api\/v1\/auth\/register/);
  const taken = uniqueName("taken");
  await register(page, taken);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  await page.goto("/register");
  // Checked in the browser with the server's own rules before anything is sent.
  await page.getByLabel("Username", { exact: true }).fill("no spaces");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  const username = page.locator(".field", { has: page.getByLabel("Username", { exact: true }) });
  await expect(username).toContainText("may only contain letters a-z");
  await expect(page.locator(".field", { has: page.getByLabel("Password") })).toContainText("at least 8 characters");
  await expect(page.getByLabel("Username", { exact: true })).toHaveAttribute("aria-invalid", "true");

  // Only the server knows the name is taken: its field error lands under the field too.
  await page.getByLabel("Username", { exact: true }).fill(taken.toUpperCase());
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(username).toContainText("is taken");
  await expect(page.getByRole("alert")).toContainText("That username is taken.");
  await snap(page, "register-errors");
});

test("signed-out visitors are sent to login and brought back", async ({ page }) => {
  const name = uniqueName("back");
  await register(page, name);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  await page.goto("/settings");
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);
  await logIn(page, name);
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("heading", { name: "Access tokens" })).toBeVisible();

  await page.goto("/no/such/page");
  await expect(page).toHaveURL(/\/channels\/@me$/);
});

test("the theme toggles and is remembered", async ({ page }) => {
  await register(page, uniqueName("theme"));
  const html = page.locator("html");
  const initial = (await html.getAttribute("data-theme")) ?? "dark";
  const other = initial === "dark" ? "light" : "dark";
  await page.getByRole("button", { name: `Switch to ${other} theme` }).first().click();
  await expect(html).toHaveAttribute("data-theme", other);
  await snap(page, `shell-${other}`);
  await page.reload();
  await expect(html).toHaveAttribute("data-theme", other);
  await page.getByRole("button", { name: `Switch to ${initial} theme` }).first().click();
  await expect(html).toHaveAttribute("data-theme", initial);
  await snap(page, `shell-${initial}`);
});

test("settings change the display name and manage access tokens", async ({ page, request }) => {
  await register(page, uniqueName("set"));
  await page.getByRole("link", { name: "Settings" }).first().click();
  await expect(page).toHaveURL(/\/settings$/);

  await page.getByLabel("Display name").fill("Grace Hopper");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await expect(page.getByRole("region", { name: "Your account" })).toContainText("Grace Hopper");

  await page.getByLabel("New token name").fill("deploy bot");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.getByTestId("new-token").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^pat_/);
  await expect(page.locator(".token-row")).toContainText("deploy bot");
  await snap(page, "settings-desktop");

  // The token works for a program that is not the browser...
  const me = await request.get("/api/v1/users/@me", { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).display_name).toBe("Grace Hopper");

  // ...until it is revoked.
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Revoke deploy bot" }).click();
  await expect(page.getByText("No tokens yet.")).toBeVisible();
  const after = await request.get("/api/v1/users/@me", { headers: { Authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);
});

test("the password can be changed from settings", async ({ page, consoleGuard }) => {
  consoleGuard.expect(/status of 422 .*\/api\/v1\/users\/@me\/password/);
  const name = uniqueName("pw");
  await register(page, name);
  await page.goto("/settings");
  await page.getByLabel("Current password").fill("wrong wrong wrong");
  await page.getByLabel("New password", { exact: true }).fill("a new long secret");
  await page.getByLabel("Confirm new password").fill("a new long secret");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator(".field", { has: page.getByLabel("Current password") })).toContainText(
    "is not your current password",
  );
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed.")).toBeVisible();

  await page.getByRole("button", { name: "Log out" }).click();
  await logIn(page, name, "a new long secret");
  await expect(page.getByRole("region", { name: "Your account" })).toBeVisible();
});

test("a login link cannot send people to another site afterwards", async ({ page }) => {
  const name = uniqueName("redir");
  await register(page, name);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  const origin = new URL(page.url()).origin;
  // Browsers drop tabs and newlines from URLs: "/\t/evil.example" would become "//evil.example".
  for (const next of ["/%09/evil.example/path", "//evil.example", "https://evil.example/", "/%5Cevil.example", "/%0A/evil.example"]) {
    await page.goto(`/login?next=${next}`);
    await logIn(page, name);
    await expect(page.getByRole("region", { name: "Your account" })).toBeVisible();
    expect(new URL(page.url()).origin).toBe(origin);
    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page).toHaveURL(/\/login$/);
  }
  // A path of this site is still followed.
  await page.goto("/login?next=%2Fsettings%3Ftab%3Dtokens");
  await logIn(page, name);
  await expect(page).toHaveURL(/\/settings\?tab=tokens$/);
});

test("changing the password signs the other browsers out at once, and can revoke tokens", async ({ browser }) => {
  const name = uniqueName("elsewhere");
  const here = await (await browser.newContext()).newPage();
  await register(here, name, "Two Places");
  await createServer(here, "Both Places");
  const token = await here.request.post("/api/v1/users/@me/tokens", {
    data: { name: "script" },
    headers: { Origin: new URL(here.url()).origin },
  });
  expect(token.status()).toBe(201);
  const secret = (await token.json()).token as string;

  const there = await (await browser.newContext()).newPage();
  await there.goto("/login");
  await logIn(there, name);
  await there.getByRole("link", { name: "Both Places" }).click();
  await expect(there.locator(".connection")).toHaveText("Live");

  await here.goto("/settings");
  await here.getByLabel("Current password").fill(PASSWORD);
  await here.getByLabel("New password", { exact: true }).fill("another long secret");
  await here.getByLabel("Confirm new password").fill("another long secret");
  await here.getByLabel(/Also revoke my access tokens/).check();
  await here.getByRole("button", { name: "Change password" }).click();
  await expect(here.getByText("Password changed.")).toBeVisible();

  // The other browser's socket is closed by the server (4004) and its app goes to sign-in,
  // without a reload and without trying to reconnect.
  await expect(there).toHaveURL(/\/login/);
  await expect(there.getByRole("heading", { name: "Welcome back" })).toBeVisible();
  // The token went with it.
  const after = await here.request.get("/api/v1/users/@me", { headers: { Authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);
  // This browser stays signed in.
  await expect(here.getByRole("region", { name: "Your account" })).toBeVisible();
});
