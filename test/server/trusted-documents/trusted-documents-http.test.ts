import { readFile } from "node:fs/promises";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { runKeysCommand } from "../../../src/auth/keys-command.js";
import {
  AddProductDocument,
  createLookalikeClient,
  FindSimilarProductsDocument,
  ProductAddedDocument,
  ProductsDocument,
} from "../../../src/sdk/index.js";
import { PERSISTED_DOCUMENTS_FILE } from "../../../codegen.js";
import { persistedDocumentHash } from "../../../src/trusted-documents/document-hash.js";
import { bearer, requestWith, startKeyedApp, type AuthResponse, type KeyMaker } from "../../support/api-keys.js";
import type { ChatCompletionsServer } from "../../support/chat-completions-server-process.js";
import { solidPng } from "../../support/images.js";
import type { TestApp } from "../../support/test-app.js";

/**
 * TRUSTED_DOCUMENTS=keys (the default) with AUTH=required, over real HTTP and
 * WebSockets: a key created trustedDocumentsOnly runs the SDK's persisted
 * documents by hash and nothing else; other keys keep full GraphQL.
 */

let llm: ChatCompletionsServer;
let api: TestApp;
let maker: KeyMaker;
let endpoint: string;
let trusted: string;
let ordinary: string;
let manifest: Record<string, string>;
let uploads = 0;

const PRODUCTS_TEXT = "{ products(first: 1) { edges { node { id } } } }";
const UNKNOWN_HASH = persistedDocumentHash("query Unknown { __typename }");

beforeAll(async () => {
  ({ llm, api, endpoint, maker } = await startKeyedApp());
  trusted = (await maker.keys.create("web", ["read", "write", "search"], { trustedDocumentsOnly: true })).token;
  ordinary = await maker.create("partner", ["read", "write", "search", "admin"]);
  manifest = JSON.parse(await readFile(PERSISTED_DOCUMENTS_FILE, "utf8")) as Record<string, string>;
});

afterAll(async () => {
  await maker?.close();
  await api?.stop();
  await llm?.stop();
});

/** A different image each time, so that no upload is refused as a duplicate. */
async function photo(): Promise<Blob> {
  uploads += 1;
  return new Blob([await solidPng(uploads * 11, 60, 220 - uploads)], { type: "image/png" });
}

const hashOf = (document: unknown) => (document as { __meta__: { hash: string } }).__meta__.hash;
const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

async function postJson(authorization: string, body: Record<string, unknown>): Promise<AuthResponse> {
  const response = await fetch(endpoint, { method: "POST", headers: { "content-type": "application/json", authorization }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, ...((await response.json()) as object) };
}

/** A multipart addProduct whose `operations` names its document as `document` says (a hash or the text). */
async function addProductWith(authorization: string, document: Record<string, unknown>): Promise<AuthResponse> {
  const form = new FormData();
  form.append("operations", JSON.stringify({ ...document, variables: { sourceUrl: `https://shop.example/trusted/${uploads}`, image: null } }));
  form.append("map", JSON.stringify({ 0: ["variables.image"] }));
  form.append("0", await photo(), "photo.png");
  const response = await fetch(endpoint, { method: "POST", headers: { "apollo-require-preflight": "true", authorization }, body: form });
  return { status: response.status, headers: response.headers, ...((await response.json()) as object) };
}

function expectRefused(response: AuthResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.data).toBeUndefined();
  expect(response.errors).toHaveLength(1);
  expect(response.errors![0]!.extensions?.code).toBe(code);
}

async function expectNothingStored(run: () => Promise<unknown>) {
  const rowsBefore = await api.rowCounts();
  const filesBefore = await api.storedFiles();
  await run();
  // The refused upload is drained after the response; give it a moment to show up if it were stored.
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(await api.rowCounts()).toEqual(rowsBefore);
  expect(await api.storedFiles()).toEqual(filesBefore);
}

describe("a key created trustedDocumentsOnly", () => {
  it("runs a query sent as its hash, through the SDK", async () => {
    const sent: string[] = [];
    const client = createLookalikeClient({
      url: endpoint,
      apiKey: trusted,
      persistedDocuments: true,
      // Records what goes over the wire; the request itself is the real one.
      fetch: async (input, init) => (sent.push(String(init?.body)), fetch(input, init)),
    });
    const { products } = await client.request(ProductsDocument, { first: 5 });
    expect(Array.isArray(products.edges)).toBe(true);
    const body = JSON.parse(sent[0]!) as Record<string, unknown>;
    expect(body.query).toBeUndefined();
    expect(body.extensions).toEqual(persisted(hashOf(ProductsDocument)));
    expect(manifest[hashOf(ProductsDocument)]).toContain("query Products(");
  });

  it("uploads with a hash: addProduct and findSimilarProducts as multipart requests", async () => {
    const client = createLookalikeClient({ url: endpoint, apiKey: trusted, persistedDocuments: true });
    const before = await api.rowCounts();
    const { addProduct } = await client.request(AddProductDocument, { sourceUrl: "https://shop.example/trusted/sdk", image: await photo() });
    expect(addProduct.sourceUrl).toBe("https://shop.example/trusted/sdk");
    expect((await api.rowCounts()).product).toBe(before.product + 1);
    const { findSimilarProducts } = await client.request(FindSimilarProductsDocument, { image: await photo() });
    expect(Array.isArray(findSimilarProducts.matches)).toBe(true);
  });

  it("runs a hash sent as documentId (GraphQL over HTTP's shape, sha256: prefix)", async () => {
    const response = await postJson(bearer(trusted), { documentId: `sha256:${hashOf(ProductsDocument)}`, variables: { first: 1 } });
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(Array.isArray(response.data?.products.edges)).toBe(true);
  });

  it("is refused query text with PERSISTED_DOCUMENT_REQUIRED (403), even the text of a persisted document", async () => {
    expectRefused(await requestWith(endpoint, bearer(trusted), PRODUCTS_TEXT), 403, "PERSISTED_DOCUMENT_REQUIRED");
    expectRefused(await postJson(bearer(trusted), { query: manifest[hashOf(ProductsDocument)], variables: {} }), 403, "PERSISTED_DOCUMENT_REQUIRED");
    const get = await fetch(`${endpoint}?query=${encodeURIComponent(PRODUCTS_TEXT)}`, { headers: { authorization: bearer(trusted), "apollo-require-preflight": "true" } });
    expect(get.status).toBe(403);
    expect(((await get.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe("PERSISTED_DOCUMENT_REQUIRED");
  });

  it("is refused an unknown hash with PERSISTED_DOCUMENT_NOT_FOUND (400), as extension or documentId", async () => {
    expectRefused(await postJson(bearer(trusted), { extensions: persisted(UNKNOWN_HASH), variables: {} }), 400, "PERSISTED_DOCUMENT_NOT_FOUND");
    expectRefused(await postJson(bearer(trusted), { documentId: `sha256:${UNKNOWN_HASH}` }), 400, "PERSISTED_DOCUMENT_NOT_FOUND");
  });

  it("stores nothing and leaves no file when a refused request carries an upload", async () => {
    await expectNothingStored(async () => {
      const text = await addProductWith(bearer(trusted), { query: manifest[hashOf(AddProductDocument)] });
      expectRefused(text, 403, "PERSISTED_DOCUMENT_REQUIRED");
      const unknown = await addProductWith(bearer(trusted), { extensions: persisted(UNKNOWN_HASH) });
      expectRefused(unknown, 400, "PERSISTED_DOCUMENT_NOT_FOUND");
    });
    // The same upload with the known hash is stored: the refusals above were about the document alone.
    const accepted = await addProductWith(bearer(trusted), { extensions: persisted(hashOf(AddProductDocument)) });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data?.addProduct.id).toEqual(expect.any(String));
  });

  it("subscribes by hash over graphql-ws, and is refused subscription text", async () => {
    const client = createClient({ url: `${api.app.url.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { apiKey: trusted } });
    type Outcome = { data?: Record<string, any>; errors?: Array<{ extensions?: Record<string, unknown> }> };
    const firstOutcome = (payload: { query: string; extensions?: Record<string, unknown> }) => {
      let dispose = () => {};
      const outcome = new Promise<Outcome>((resolve, reject) => {
        dispose = client.subscribe(payload, {
          next: (value) => resolve(value as Outcome),
          error: (error) => (Array.isArray(error) ? resolve({ errors: error as Outcome["errors"] }) : reject(error)),
          complete: () => {},
        });
      });
      return { outcome, dispose: () => dispose() };
    };
    try {
      const refused = await firstOutcome({ query: manifest[hashOf(ProductAddedDocument)]! }).outcome;
      expect(refused.errors?.[0]?.extensions?.code).toBe("PERSISTED_DOCUMENT_REQUIRED");

      const accepted = firstOutcome({ query: "", extensions: persisted(hashOf(ProductAddedDocument)) });
      let event: Outcome | undefined;
      void accepted.outcome.then((value) => (event = value));
      // Products are added until the subscription, once it has started, reports one.
      for (let attempt = 0; attempt < 20 && !event; attempt += 1) {
        await addProductWith(bearer(ordinary), { extensions: persisted(hashOf(AddProductDocument)) });
        await Promise.race([accepted.outcome, new Promise((resolve) => setTimeout(resolve, 500))]);
      }
      accepted.dispose();
      expect(event?.errors).toBeUndefined();
      expect(event?.data?.productAdded.sourceUrl).toMatch(/^https:\/\/shop\.example\/trusted\//);
    } finally {
      await client.dispose();
    }
  });
});

describe("an ordinary key", () => {
  it("sends query text as before, within its cost limits", async () => {
    const response = await requestWith(endpoint, bearer(ordinary), PRODUCTS_TEXT);
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(Array.isArray(response.data?.products.edges)).toBe(true);
    const upload = await addProductWith(bearer(ordinary), { query: manifest[hashOf(AddProductDocument)] });
    expect(upload.data?.addProduct.id).toEqual(expect.any(String));
  });

  it("may send known hashes too; an unknown hash is left to Apollo's automatic persisted queries", async () => {
    const client = createLookalikeClient({ url: endpoint, apiKey: ordinary, persistedDocuments: true });
    expect(Array.isArray((await client.request(ProductsDocument)).products.edges)).toBe(true);
    const unknown = await postJson(bearer(ordinary), { extensions: persisted(UNKNOWN_HASH) });
    expect(unknown.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
  });
});

describe("the trustedDocumentsOnly flag", () => {
  it("is set by the admin mutation and shown by apiKeys", async () => {
    const created = await requestWith(endpoint, bearer(ordinary), 'mutation { createApiKey(name: "web-2", scopes: [READ], trustedDocumentsOnly: true) { token key { trustedDocumentsOnly } } }');
    expect(created.data?.createApiKey.key.trustedDocumentsOnly).toBe(true);
    const token = created.data?.createApiKey.token as string;
    expectRefused(await requestWith(endpoint, bearer(token), PRODUCTS_TEXT), 403, "PERSISTED_DOCUMENT_REQUIRED");
    const listed = await requestWith(endpoint, bearer(ordinary), "{ apiKeys { name trustedDocumentsOnly } }");
    const byName = Object.fromEntries((listed.data?.apiKeys as Array<{ name: string; trustedDocumentsOnly: boolean }>).map((k) => [k.name, k.trustedDocumentsOnly]));
    expect(byName).toMatchObject({ web: true, "web-2": true, partner: false });
  });

  it("is set by npm run keys -- create --trusted-documents-only, and list shows it", async () => {
    const out: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => out.push(line) };
    expect(await runKeysCommand(["create", "--name", "web-cli", "--scopes", "read", "--trusted-documents-only", "--json"], maker.keys, io)).toBe(0);
    expect(JSON.parse(out[0]!)).toMatchObject({ name: "web-cli", trustedDocumentsOnly: true });
    out.length = 0;
    expect(await runKeysCommand(["list"], maker.keys, io)).toBe(0);
    expect(out.join("\n")).toMatch(/key "web-cli" [^\n]*trusted documents only/);
    expect(out.join("\n")).not.toMatch(/key "partner" [^\n]*trusted documents only/);
  });
});
