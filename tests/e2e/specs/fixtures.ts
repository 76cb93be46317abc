// Every browser test runs under two watches:
// - the console: any error logged (a Rust panic, a failed request, an uncaught exception) in any
//   page of any context the test opens fails the test, unless the test says it expects it;
// - accessibility: `checkA11y(page, screen)` runs axe-core and fails on serious or critical
//   violations (and on the ones the web app issue named).
import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Browser, type BrowserContext, type Page } from "@playwright/test";

export { expect };
export type { Browser, BrowserContext, Page } from "@playwright/test";

export interface ConsoleGuard {
  /** Errors seen so far, in order. */
  seen: string[];
  /** Declares errors this test provokes on purpose (a wrong password's 401, say). */
  expect(...patterns: RegExp[]): void;
}

function watch(context: BrowserContext, seen: string[]): void {
  context.on("console", (message) => {
    if (message.type() === "error") {
      seen.push(`console error: ${message.text()} [${message.location().url}]`);
    }
  });
  context.on("weberror", (error) => {
    seen.push(`uncaught: ${error.error().stack ?? error.error().message}`);
  });
}

export const test = base.extend<{ consoleGuard: ConsoleGuard }>({
  consoleGuard: [
    async ({ browser, context }, use) => {
      const seen: string[] = [];
      const allowed: RegExp[] = [];
      watch(context, seen);
      // Contexts the test opens itself (a second user) are watched too.
      const newContext = browser.newContext.bind(browser);
      const patched = browser as Browser & { newContext: Browser["newContext"] };
      patched.newContext = async (options) => {
        const created = await newContext(options);
        watch(created, seen);
        return created;
      };
      await use({
        seen,
        expect: (...patterns) => allowed.push(...patterns),
      });
      patched.newContext = newContext;
      const unexpected = seen.filter((line) => !allowed.some((pattern) => pattern.test(line)));
      expect(unexpected, "console errors, panics or uncaught exceptions during the test").toEqual([]);
    },
    { auto: true },
  ],
});

/** Rules the web app issue called out, whatever impact axe gives them. */
const ALWAYS = new Set(["heading-order", "scrollable-region-focusable", "label-content-name-mismatch", "color-contrast"]);

/** Runs axe-core on the page as it is now and fails on serious or critical violations. */
export async function checkA11y(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .options({ rules: { "label-content-name-mismatch": { enabled: true } } })
    .analyze();
  const failing = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical" || ALWAYS.has(v.id))
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(" | ")}`);
  expect(failing, `axe violations on ${screen}`).toEqual([]);
}
