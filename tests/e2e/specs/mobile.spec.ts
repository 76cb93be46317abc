import { expect, test } from "./fixtures";
import { register, snap, uniqueName } from "./helpers";

test.use({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });

test("the shell works on a 360 px phone", async ({ page }) => {
  await page.goto("/login");
  await snap(page, "login-phone");
  await register(page, uniqueName("phone"), "Phone User");

  // The navigation is tucked away behind the menu button...
  const rail = page.getByRole("navigation", { name: "Servers" });
  await expect(rail).not.toBeInViewport();
  await expect(page.getByRole("heading", { name: "Welcome, Phone User!" })).toBeVisible();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(360);
  await snap(page, "shell-phone");

  // ...and slides in when asked.
  await page.getByRole("button", { name: "Open navigation" }).click();
  await expect(rail).toBeInViewport();
  await expect(page.getByRole("region", { name: "Your account" })).toBeInViewport();
  await snap(page, "shell-phone-menu");

  await page.getByRole("link", { name: "Settings" }).first().click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(rail).not.toBeInViewport();
  await snap(page, "settings-phone");
});
