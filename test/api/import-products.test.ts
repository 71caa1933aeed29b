import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256, solidPng } from "../support/images.js";
import { startFeedServer, type FeedServer } from "../support/feed-server.js";
import { pixelAnalysers } from "../support/pixel-analysers.js";
import { addProductAndWait } from "../support/products.js";
import { subscribe, subscriptionsClient } from "../support/subscriptions.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * importProducts over real HTTP, against a real image host on loopback that
 * the allow-list lets through (IMPORT_FETCH_ALLOW_HOSTS), and, with the
 * allow-list off, the same host and the private and metadata addresses refused.
 */

const STATE = "total pending done skipped failed finished";
const ITEM = "index status error { code message } product { id externalId title attributes { name value } photos { id } }";
const IMPORT = `mutation ($items: [ImportItemInput!]!) { importProducts(items: $items) { id ${STATE} } }`;
const ITEMS = `query ($id: ID!, $status: ImportItemStatus) { productImport(id: $id) { ${STATE} items(first: 20, status: $status) { ${ITEM} } } }`;

type ImportState = { total: number; pending: number; done: number; skipped: number; failed: number; finished: boolean };
type Item = {
  index: number;
  status: string;
  error: { code: string; message: string } | null;
  product: { id: string; externalId: string | null; title: string | null; attributes: Array<{ name: string; value: string }>; photos: Array<{ id: string }> } | null;
};

let feed: FeedServer;
let api: TestApp;
const images: Record<string, Buffer> = {};

beforeAll(async () => {
  feed = await startFeedServer();
  for (const [name, rgb] of Object.entries({ red: [220, 20, 20], green: [20, 200, 30], blue: [20, 30, 210], yellow: [230, 220, 10] })) {
    images[name] = await solidPng(rgb[0]!, rgb[1]!, rgb[2]!);
    feed.set(`/${name}.png`, { body: images[name]! });
  }
  feed.set("/notes.txt", { body: Buffer.from("not an image at all\n".repeat(20)), type: "image/png" });
  feed.set("/to-metadata", { redirect: "http://169.254.169.254/latest/meta-data/" });
  feed.set("/to-private", { redirect: "http://10.1.2.3/photo.png" });
  // The address, not the name: a redirect to another address is checked again.
  api = await startTestApp({ IMPORT_FETCH_ALLOW_HOSTS: "127.0.0.1/32" }, pixelAnalysers());
});

afterAll(async () => {
  await api?.stop();
  await feed?.close();
});

async function importItems(app: TestApp, items: object[]): Promise<{ id: string } & ImportState> {
  const response = await app.client.query<{ importProducts: { id: string } & ImportState }>(IMPORT, { items });
  expect(response.errors).toBeUndefined();
  return response.data!.importProducts;
}

async function itemsOf(app: TestApp, id: string, status?: string): Promise<ImportState & { items: Item[] }> {
  const response = await app.client.query<{ productImport: ImportState & { items: Item[] } }>(ITEMS, { id, status });
  expect(response.errors).toBeUndefined();
  return response.data!.productImport;
}

async function settled(app: TestApp, id: string, timeoutMs = 60_000): Promise<ImportState & { items: Item[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await itemsOf(app, id);
    if (state.finished || Date.now() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const openImportJobs = async (app: TestApp) =>
  (await app.sql<{ n: number }>("select count(*)::int as n from pgboss.job where name = 'import-item' and state < 'completed'"))[0]!.n;

describe("importProducts", () => {
  let firstImport: string;

  it("imports a feed as jobs, streams each item's move, and refuses bad items one by one, storing nothing for them", async () => {
    const blue = await addProductAndWait(api.client, "https://shop.example/by-hand/blue", { variable: "variables.image", bytes: images.blue!, filename: "blue.png" });
    feed.hold();
    const submitted = await importItems(api, [
      { imageUrl: `${feed.origin}/red.png`, sourceUrl: "https://shop.example/red-mug", externalId: "SKU-1", title: "Red mug", attributes: [{ name: "brand", value: "Acme" }] },
      { imageUrl: `${feed.origin}/green.png`, sourceUrl: "https://shop.example/green-vase", externalId: "SKU-2" },
      { imageUrl: "ftp://files.example/red.png", sourceUrl: "https://shop.example/ftp" },
      { imageUrl: `${feed.origin}/missing.png`, sourceUrl: "https://shop.example/missing" },
      { imageUrl: `${feed.origin}/notes.txt`, sourceUrl: "https://shop.example/notes" },
      { imageUrl: `${feed.origin}/red.png`, sourceUrl: "not a page" },
      { imageUrl: `${feed.origin}/green.png`, sourceUrl: "https://shop.example/red-mug" },
      { imageUrl: `${feed.origin}/blue.png`, sourceUrl: "https://shop.example/blue-again" },
      { imageUrl: `${feed.origin}/to-metadata`, sourceUrl: "https://shop.example/metadata" },
      { imageUrl: `${feed.origin}/to-private`, sourceUrl: "https://shop.example/private" },
    ]);
    firstImport = submitted.id;
    // Refused at once: the scheme, the page that is not a URL, the page given twice.
    expect(submitted).toMatchObject({ total: 10, failed: 3, pending: 7, done: 0, finished: false });

    const progress = subscribe<{ importProgress: ImportState & { item: { index: number; status: string; error: { code: string } | null } | null } }>(
      subscriptionsClient(api.app.url),
      `subscription ($id: ID!) { importProgress(importId: $id) { ${STATE} item { index status error { code } } } }`,
      { id: submitted.id },
    );
    await progress.until((data) => data.importProgress.item === null);
    feed.release();
    await progress.completed;

    const events = progress.received.map((event) => event.data!.importProgress);
    expect(events.at(-1)).toMatchObject({ total: 10, pending: 0, done: 2, skipped: 0, failed: 8, finished: true });
    // Counts never go back, and every failure after subscribing arrived with its code.
    for (const [earlier, later] of events.slice(0, -1).map((event, i) => [event, events[i + 1]!] as const)) {
      expect(later.done + later.failed + later.skipped).toBeGreaterThanOrEqual(earlier.done + earlier.failed + earlier.skipped);
    }
    const failures = Object.fromEntries(events.flatMap((event) => (event.item?.status === "FAILED" ? [[event.item.index, event.item.error!.code]] : [])));
    expect(failures).toEqual({ 3: "IMPORT_FETCH_FAILED", 4: "UNSUPPORTED_MEDIA_TYPE", 7: "DUPLICATE_IMAGE", 8: "IMPORT_URL_FORBIDDEN", 9: "IMPORT_URL_FORBIDDEN" });
    expect(events.filter((event) => event.item?.status === "DONE").map((event) => event.item!.index).sort()).toEqual([0, 1]);

    const failed = await itemsOf(api, submitted.id, "FAILED");
    expect(Object.fromEntries(failed.items.map((item) => [item.index, item.error!.code]))).toEqual({
      2: "IMPORT_URL_FORBIDDEN",
      3: "IMPORT_FETCH_FAILED",
      4: "UNSUPPORTED_MEDIA_TYPE",
      5: "BAD_USER_INPUT",
      6: "BAD_USER_INPUT",
      7: "DUPLICATE_IMAGE",
      8: "IMPORT_URL_FORBIDDEN",
      9: "IMPORT_URL_FORBIDDEN",
    });
    expect(failed.items.every((item) => item.product === null)).toBe(true);
    // The redirects were followed to our host only: nothing here can reach 169.254.169.254 or 10.1.2.3, and nothing tried.
    expect(feed.requests).not.toContain("/latest/meta-data/");

    const done = await itemsOf(api, submitted.id, "DONE");
    const red = done.items.find((item) => item.index === 0)!.product!;
    expect(red).toMatchObject({ externalId: "SKU-1", title: "Red mug", attributes: [{ name: "brand", value: "Acme" }] });
    const byId = await api.client.query<{ product: { tags: string[]; analysis: { status: string } } }>(
      `query ($id: ID!) { product(id: $id) { tags analysis { status } } }`,
      { id: red.id },
    );
    expect(byId.data!.product.analysis.status).toBe("READY");
    expect(byId.data!.product.tags).toContain("color:red");

    // Nothing stored for the failures: three products (two imported, one by hand), three photos, three files, no job left.
    expect(await api.rowCounts()).toEqual({ product: 3, photo: 3 });
    expect(await api.storedFiles()).toHaveLength(3);
    expect(await openImportJobs(api)).toBe(0);
    expect(blue.id).toBeTruthy();
  });

  it("re-imports idempotently: unchanged bytes are not analysed again, new bytes replace the imported photo", async () => {
    const analysesBefore = (await api.sql<{ n: number }>("select count(*)::int as n from analysis"))[0]!.n;
    const again = await importItems(api, [
      { imageUrl: `${feed.origin}/red.png`, sourceUrl: "https://shop.example/red-mug", externalId: "SKU-1", title: "Red mug, large" },
      { imageUrl: `${feed.origin}/green.png`, sourceUrl: "https://shop.example/green-vase-moved", externalId: "SKU-2" },
    ]);
    const skipped = await settled(api, again.id);
    expect(skipped).toMatchObject({ total: 2, skipped: 2, done: 0, failed: 0, finished: true });
    const [red, green] = skipped.items.map((item) => item.product!);
    // The title changed, the attributes left out stayed, the page moved; no new analysis.
    expect(red).toMatchObject({ externalId: "SKU-1", title: "Red mug, large", attributes: [{ name: "brand", value: "Acme" }] });
    expect((await api.sql<{ n: number }>("select count(*)::int as n from analysis"))[0]!.n).toBe(analysesBefore);
    const page = await api.client.query<{ product: { sourceUrl: string } }>(`{ product(externalId: "SKU-2") { sourceUrl } }`);
    expect(page.data!.product.sourceUrl).toBe("https://shop.example/green-vase-moved");

    // The shop's image of SKU-2 changed: analysed, and it replaces the photo the first import stored.
    const oldPhoto = green!.photos[0]!.id;
    feed.set("/green.png", { body: images.yellow! });
    const changed = await importItems(api, [{ imageUrl: `${feed.origin}/green.png`, sourceUrl: "https://shop.example/green-vase-moved", externalId: "SKU-2" }]);
    const replaced = await settled(api, changed.id);
    expect(replaced).toMatchObject({ done: 1, finished: true });
    const photos = replaced.items[0]!.product!.photos;
    expect(photos).toHaveLength(1);
    expect(photos[0]!.id).not.toBe(oldPhoto);
    const [stored] = await api.sql<{ sha256: string }>("select sha256 from photo where id = $1", [photos[0]!.id]);
    expect(stored!.sha256).toBe(sha256(images.yellow!));
    expect(await api.rowCounts()).toEqual({ product: 3, photo: 3 });
    expect(await api.storedFiles()).toHaveLength(3);
    feed.set("/green.png", { body: images.green! });
  });

  it("lists an import's items by status, and refuses what it cannot take", async () => {
    const all = await itemsOf(api, firstImport);
    expect(all.items.map((item) => item.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const unknown = await api.client.query(ITEMS, { id: "00000000-0000-4000-8000-000000000000" });
    expect(unknown.errors![0]!.extensions!.code).toBe("NOT_FOUND");
    const tooMany = await api.client.query(IMPORT, {
      items: Array.from({ length: 1001 }, (_, i) => ({ imageUrl: `${feed.origin}/red.png`, sourceUrl: `https://shop.example/${i}` })),
    });
    expect(tooMany.errors![0]!.extensions!.code).toBe("BAD_USER_INPUT");
    const none = await api.client.query(IMPORT, { items: [] });
    expect(none.errors![0]!.extensions!.code).toBe("BAD_USER_INPUT");
    expect((await api.sql<{ n: number }>("select count(*)::int as n from product_import"))[0]!.n).toBe(3);
  });
});

describe("importProducts with the allow-list off", () => {
  let closed: TestApp;

  beforeAll(async () => {
    closed = await startTestApp({}, pixelAnalysers());
  });

  afterAll(async () => {
    await closed?.stop();
  });

  it("refuses loopback, private and metadata addresses, and a name that resolves to loopback, before any request", async () => {
    const port = new URL(feed.origin).port;
    const seen = feed.requests.length;
    const urls = [
      `${feed.origin}/red.png`,
      `http://localhost:${port}/red.png`,
      `http://[::1]:${port}/red.png`,
      `http://[::ffff:127.0.0.1]:${port}/red.png`,
      "http://10.0.0.1/photo.png",
      "http://192.168.1.20/photo.png",
      "http://169.254.169.254/latest/meta-data/",
      "http://[fd00::1]/photo.png",
    ];
    const submitted = await importItems(
      closed,
      urls.map((imageUrl, i) => ({ imageUrl, sourceUrl: `https://shop.example/refused/${i}` })),
    );
    const state = await settled(closed, submitted.id);
    expect(state).toMatchObject({ total: urls.length, failed: urls.length, finished: true });
    expect(state.items.map((item) => item.error!.code)).toEqual(urls.map(() => "IMPORT_URL_FORBIDDEN"));
    expect(feed.requests.length).toBe(seen);
    expect(await closed.rowCounts()).toEqual({ product: 0, photo: 0 });
    expect(await closed.storedFiles()).toEqual([]);
  });
});

describe("importProducts and deleteProduct", () => {
  let gated: TestApp;
  let open: () => void = () => {};
  const analysing = new Promise<void>((resolve) => (open = resolve));

  beforeAll(async () => {
    const { tagger, embedder } = pixelAnalysers();
    // Analyses wait until the test lets them go, so an item is caught ANALYSING.
    const held = { ...tagger, analyze: async (...args: Parameters<typeof tagger.analyze>) => (await analysing, tagger.analyze(...args)) };
    gated = await startTestApp({ IMPORT_FETCH_ALLOW_HOSTS: "127.0.0.1" }, { tagger: held, embedder });
  });

  afterAll(async () => {
    open();
    await gated?.stop();
  });

  it("fails an item whose product is deleted before its analysis finished (NOT_FOUND), and finishes the import", async () => {
    const submitted = await importItems(gated, [{ imageUrl: `${feed.origin}/yellow.png`, sourceUrl: "https://shop.example/deleted-soon" }]);
    let item: Item | undefined;
    for (let tries = 0; tries < 600 && item?.status !== "ANALYSING"; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      [item] = (await itemsOf(gated, submitted.id)).items;
    }
    expect(item!.status).toBe("ANALYSING");
    const deleted = await gated.client.query(`mutation ($id: ID!) { deleteProduct(id: $id) }`, { id: item!.product!.id });
    expect(deleted.errors).toBeUndefined();
    const state = await itemsOf(gated, submitted.id);
    expect(state).toMatchObject({ failed: 1, pending: 0, finished: true });
    expect(state.items[0]).toMatchObject({ status: "FAILED", error: { code: "NOT_FOUND" }, product: null });
    open();
    expect(await gated.rowCounts()).toEqual({ product: 0, photo: 0 });
    expect(await gated.storedFiles()).toEqual([]);
  });
});

describe("importProducts beyond IMPORT_MAX_PENDING_ITEMS", () => {
  let bounded: TestApp;

  beforeAll(async () => {
    bounded = await startTestApp({ IMPORT_FETCH_ALLOW_HOSTS: "127.0.0.1", IMPORT_MAX_PENDING_ITEMS: "5" }, pixelAnalysers());
  });

  afterAll(async () => {
    feed.release();
    await bounded?.stop();
  });

  it("refuses an import that would leave more items unsettled than allowed (RATE_LIMITED), writing nothing, until they settle", async () => {
    feed.hold();
    const feedItems = (count: number, from: number) =>
      Array.from({ length: count }, (_, i) => ({ imageUrl: `${feed.origin}/gone/${from + i}.png`, sourceUrl: `https://shop.example/bounded/${from + i}` }));
    const first = await importItems(bounded, feedItems(4, 0));
    expect(first).toMatchObject({ total: 4, pending: 4 });
    const refused = await bounded.client.query(IMPORT, { items: feedItems(2, 1000) });
    expect(refused.errors![0]!.extensions).toMatchObject({ code: "RATE_LIMITED", limit: "pendingImportItems", maximum: 5, current: 4, requested: 2 });
    expect((await bounded.sql<{ n: number }>("select count(*)::int as n from product_import"))[0]!.n).toBe(1);
    feed.release();
    expect(await settled(bounded, first.id)).toMatchObject({ failed: 4, finished: true });
    expect((await importItems(bounded, feedItems(2, 1000))).total).toBe(2);
  });
});
