import { expect, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export const PASSWORD = "correct horse battery";

/** A username no other test uses. */
export function uniqueName(prefix = "u"): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** Saves a screenshot under tests/e2e/screenshots, kept as a test artifact. */
export async function snap(page: Page, name: string): Promise<void> {
  const dir = join(__dirname, "..", "screenshots");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}

/** Registers through the form and waits for the signed-in shell. */
export async function register(page: Page, username: string, displayName = ""): Promise<void> {
  await page.goto("/register");
  await page.getByLabel("Username", { exact: true }).fill(username);
  if (displayName) await page.getByLabel("Display name").fill(displayName);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("region", { name: "Your account" })).toBeVisible();
}

export async function logIn(page: Page, login: string, password = PASSWORD): Promise<void> {
  await page.getByLabel("Username or email").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A tiny valid PNG (a red 2x2 square), for icon uploads. */
export const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==",
  "base64",
);

/** Creates a server through the dialog and waits for its general channel. */
export async function createServer(page: Page, name: string): Promise<void> {
  await page.getByRole("button", { name: "Add a server" }).click();
  const dialog = page.getByRole("dialog", { name: "Create a server" });
  await dialog.getByLabel("Server name").fill(name);
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name: "# general" })).toBeVisible();
}

/** Opens the server header menu and picks an item. */
export async function serverMenu(page: Page, item: string): Promise<void> {
  await page.locator(".server-menu-button").click();
  await page.getByRole("menuitem", { name: item }).click();
}

/** Types a message in the composer and sends it with Enter. */
export async function say(page: Page, text: string): Promise<void> {
  const composer = page.getByRole("textbox", { name: /^Message / });
  await composer.fill(text);
  await composer.press("Enter");
}

/** Opens an invite link, joins from its preview and waits for the server's general channel. */
export async function joinInvite(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await page.getByRole("button", { name: /^Join / }).click();
  await expect(page.getByRole("heading", { name: "# general" })).toBeVisible();
}

/** Opens the invite dialog and returns the link once it has loaded; the dialog stays open. */
export async function inviteLink(page: Page): Promise<string> {
  await serverMenu(page, "Invite people");
  const field = page.getByRole("dialog", { name: "Invite people" }).getByLabel("Invite link");
  await expect(field).toHaveValue(/\/invite\/[A-Za-z0-9]{16}$/);
  return field.inputValue();
}
