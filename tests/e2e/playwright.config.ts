// Browser tests: the real server (built by `cargo xtask test`) on a fresh data folder, the real
// web app, and Debian's Chromium. Playwright cannot download browsers here, so the system one
// is named explicitly.
import { defineConfig } from "@playwright/test";
import { execSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "../..");
const port = Number(process.env.PARLEY_E2E_PORT ?? 18_090);
const baseURL = `http://127.0.0.1:${port}`;
const server = process.env.PARLEY_BIN ?? join(root, "target/debug/parley");
const chromium =
  process.env.CHROMIUM_PATH ?? execSync("which chromium || which chromium-browser").toString().trim();
const dataDir = mkdtempSync(join(tmpdir(), "parley-e2e-"));

export default defineConfig({
  testDir: "./specs",
  outputDir: "./test-results",
  // Generous, so a machine busy with other work (a release build beside the tests) does not fail
  // them; a real defect still fails, since what it breaks never appears. Nothing waits for a
  // fixed time: every wait is for a condition.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    navigationTimeout: 60_000,
    actionTimeout: 30_000,
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    },
  },
  webServer: {
    command: server,
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: "pipe",
    env: {
      PARLEY_ADDR: `127.0.0.1:${port}`,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_WEB_DIR: process.env.PARLEY_WEB_DIR ?? join(root, "dist"),
      RUST_LOG: process.env.RUST_LOG ?? "warn",
      // The history test seeds hundreds of messages quickly.
      PARLEY_SEND_RATE: "1000",
      PARLEY_SEND_BURST: "1000",
      // Every browser test registers its users from 127.0.0.1.
      PARLEY_REGISTRATIONS_PER_IP: "1000",
    },
  },
});
