import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { launchChromium, type RunningChromium } from "../support/chromium.js";
import { fixtureUpload } from "../support/graphql-client.js";
import { features } from "../support/images.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const ARTIFACTS = "test-artifacts";

let llm: ChatCompletionsServer;
let api: TestApp;
let browser: RunningChromium;
let page: Page;
/** Every failed request and every HTTP error the page met. */
const failures: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium(); // first: without Chromium there is nothing to test
  await mkdir(ARTIFACTS, { recursive: true });
  llm = await startChatCompletionsServer();
  api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl });
  await llm.setDefault({ kind: "features", features: features({ cup: ["red"] }) });
  const seeded = await api.client.upload(
    "mutation ($image: Upload!) { addProduct(sourceUrl: \"https://shop.example/seeded-cup\", image: $image) { id } }",
    { image: null },
    [await fixtureUpload("fruits.jpg")], // not coffee.png: the Upload panel test sends that one, and a file is stored once
  );
  expect(seeded.errors).toBeUndefined();

  page = await browser.context.newPage();
  page.on("requestfailed", (request) => failures.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
  page.on("response", (response) => {
    if (response.status() >= 400) failures.push(`${response.request().method()} ${response.url()}: HTTP ${response.status()}`);
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await llm?.stop();
});

/** Opens a new tab and types an operation into it, the way a person would. */
async function typeInNewTab(operation: string, name: string) {
  await page.locator(".graphiql-tab-add").click();
  await page.locator(".graphiql-query-editor .CodeMirror").first().click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.insertText(operation);
  // GraphiQL reads the editor after a short debounce; the tab takes the operation's name then.
  await page.locator(".graphiql-tab-active", { hasText: name }).waitFor();
}

const responseText = () => page.locator(".graphiql-response").innerText();

describe("GraphiQL in a real browser", () => {
  it("loads from our own server, with the example tabs", async () => {
    await page.goto(`${api.app.url}/graphql`);
    await page.locator(".graphiql-query-editor .CodeMirror").first().waitFor();
    const tabs = await page.locator(".graphiql-tab").allInnerTexts();
    expect(tabs.map((tab) => tab.trim())).toEqual(["AddProduct", "FindSimilarProducts", "Search", "UpdateProduct", "DeleteProduct", "ImportProducts", "ImportProgress", "ProductAdded"]);
    expect(await page.locator(".graphiql-tab-active").innerText()).toMatch(/AddProduct/);
    expect(failures).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("runs a typed query and shows the data", async () => {
    await typeInNewTab("query Catalogue { products(first: 5) { edges { node { sourceUrl tags } } } }", "Catalogue");
    await page.locator(".graphiql-execute-button").click();
    await expect.poll(responseText, { timeout: 10_000 }).toContain("https://shop.example/seeded-cup");
    expect(await responseText()).toContain('"data"');
    await page.screenshot({ path: `${ARTIFACTS}/graphiql.png` });
    expect(failures).toEqual([]);
  });

  it("runs a subscription over graphql-ws", async () => {
    await page.locator(".graphiql-tab", { hasText: "ProductAdded" }).click();
    await page.locator(".graphiql-tab-active", { hasText: "ProductAdded" }).waitFor();
    await page.locator(".graphiql-execute-button").click();
    // Subscribed once the button offers to stop; then a product added elsewhere shows up.
    await page.locator(".graphiql-execute-button[aria-label*='Stop']").waitFor();
    const added = await api.client.upload(
      "mutation ($image: Upload!) { addProduct(sourceUrl: \"https://shop.example/watched\", image: $image) { id } }",
      { image: null },
      [await fixtureUpload("chelsea.png")],
    );
    expect(added.errors).toBeUndefined();
    await expect.poll(responseText, { timeout: 15_000 }).toContain("https://shop.example/watched");
    await page.locator(".graphiql-execute-button").click(); // stop
    expect(failures).toEqual([]);
  });

  it("uploads a photo chosen in the Upload panel with addProduct", async () => {
    await page.locator(".graphiql-tab", { hasText: "AddProduct" }).click();
    await page.locator(".graphiql-tab-active", { hasText: "AddProduct" }).waitFor();
    await page.getByRole("button", { name: /Upload/ }).first().click();
    await page.getByLabel("Photo to upload").setInputFiles("test/fixtures/coffee.png");
    await expect.poll(() => page.locator(".lookalike-upload-chosen").innerText()).toMatch(/coffee\.png/);
    await page.locator(".graphiql-execute-button").click();
    await expect.poll(responseText, { timeout: 10_000 }).toContain("https://shop.example/products/red-mug");
    expect(await responseText()).toMatch(/"id": "[^"]+"/);
    expect(await api.rowCounts()).toEqual({ product: 3, photo: 3 });
    await page.screenshot({ path: `${ARTIFACTS}/graphiql-upload.png` });
    expect(failures).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
