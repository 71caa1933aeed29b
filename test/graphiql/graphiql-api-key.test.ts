import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyMaker } from "../support/api-keys.js";
import { launchChromium, type RunningChromium } from "../support/chromium.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** GraphiQL in a real browser against AUTH=required: the key pasted in its panel goes over HTTP and graphql-ws. */

let api: TestApp;
let maker: Awaited<ReturnType<typeof keyMaker>>;
let browser: RunningChromium;
let page: Page;
let readKey: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium(); // first: without Chromium there is nothing to test
  api = await startTestApp({ TAGGER: "none", AUTH: "required", GRAPHIQL: "true" });
  maker = await keyMaker(api.databaseUrl);
  readKey = await maker.create("graphiql", ["read"]);
  page = await browser.context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await maker?.close();
  await api?.stop();
});

const responseText = () => page.locator(".graphiql-response").innerText();

async function runInNewTab(operation: string, name: string) {
  await page.locator(".graphiql-tab-add").click();
  await page.locator(".graphiql-query-editor .CodeMirror").first().click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.insertText(operation);
  await page.locator(".graphiql-tab-active", { hasText: name }).waitFor();
  await page.locator(".graphiql-execute-button").click();
}

describe("GraphiQL's API key panel", () => {
  it("is refused without a key", async () => {
    await page.goto(`${api.app.url}/graphql`);
    await page.locator(".graphiql-query-editor .CodeMirror").first().waitFor();
    await runInNewTab("query Anonymous { visualIndex { model } }", "Anonymous");
    await expect.poll(responseText, { timeout: 10_000 }).toContain("UNAUTHENTICATED");
  });

  it("sends the pasted key over HTTP", async () => {
    await page.getByRole("button", { name: /API key/ }).first().click();
    await page.getByLabel("API key", { exact: true }).fill(readKey);
    await expect.poll(() => page.locator(".lookalike-api-key-state").innerText()).toBe("Requests carry this key.");
    await runInNewTab("query WithKey { visualIndex { model } }", "WithKey");
    await expect.poll(responseText, { timeout: 10_000 }).toContain('"model"');
    expect(await responseText()).not.toContain("UNAUTHENTICATED");
  });

  it("sends it in graphql-ws's connection_init", async () => {
    await runInNewTab('subscription Watch { analysisProgress(productId: "00000000-0000-4000-8000-000000000001") { status } }', "Watch");
    // The resolver ran and found no such product: the socket was accepted with the key (4401 otherwise).
    await expect.poll(responseText, { timeout: 10_000 }).toContain("NOT_FOUND");
    expect(await responseText()).not.toMatch(/4401|Unauthorized/);
    expect(pageErrors).toEqual([]);
  });
});
