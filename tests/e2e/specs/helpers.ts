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
