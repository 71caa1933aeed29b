import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Debian's chromium package; CHROMIUM_PATH names another build. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// No network beyond the test's own servers, no sync, no updates, no GPU.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface RunningChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A real headless Chromium with a fresh profile; fails loudly when it is not installed. */
export async function launchChromium(): Promise<RunningChromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}, and the browser tests need it. ` +
        "Install it with `sudo apt-get install -y --no-install-recommends chromium` (Debian, Ubuntu), " +
        "or point CHROMIUM_PATH at a Chromium or Chrome binary. (.ci/run installs it on CI.)",
    );
  }
  const userDataDir = await mkdtemp(path.join(tmpdir(), "lookalike-chromium-"));
  // Playwright passes the profile as --user-data-dir itself.
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM_PATH, headless: true, args: ARGS });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
