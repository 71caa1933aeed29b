import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "../../src/auth/api-key-token.js";
import { SCOPES, type Scope } from "../../src/auth/scopes.js";
import { scopesOfSchema } from "../../src/graphql/auth/requires-scope.js";
import { buildLookalikeSchema } from "../../src/graphql/schema.js";
import { createLookalikeClient, LookalikeRequestError, ProductsDocument } from "../../src/sdk/index.js";
import { bearer, requestWith, startKeyedApp, uploadWith, type AuthResponse, type KeyMaker } from "../support/api-keys.js";
import type { ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { fixtureUpload } from "../support/graphql-client.js";
import { solidPng } from "../support/images.js";
import type { TestApp } from "../support/test-app.js";

/** AUTH=required over real HTTP: every operation, every scope, and refusals that leave nothing behind. */

let llm: ChatCompletionsServer;
let api: TestApp;
let maker: KeyMaker;
let endpoint: string;
/** A key holding exactly one scope, and one holding every scope but that one. */
const only = new Map<Scope, string>();
const allBut = new Map<Scope, string>();

const NO_SUCH_ID = "00000000-0000-4000-8000-000000000000";
const AUTH_CODES = ["UNAUTHENTICATED", "FORBIDDEN"];
let uploadCount = 0;

beforeAll(async () => {
  // A scripted OpenAI-compatible tagger: allowed uploads really are stored and analysed.
  ({ llm, api, endpoint, maker } = await startKeyedApp());
  for (const scope of SCOPES) {
    only.set(scope, await maker.create(`only-${scope}`, [scope]));
    allBut.set(scope, await maker.create(`all-but-${scope}`, SCOPES.filter((s) => s !== scope)));
  }
});

afterAll(async () => {
  await maker?.close();
  await api?.stop();
  await llm?.stop();
});

/** A different image each time, so that no upload is refused as a duplicate of another. */
async function photo() {
  uploadCount += 1;
  return { variable: "variables.image", bytes: await solidPng(uploadCount * 7, 90, 200 - uploadCount), filename: `photo-${uploadCount}.png` };
}

const addProduct = async (authorization: string | undefined) =>
  uploadWith(
    endpoint,
    authorization,
    "mutation ($image: Upload!, $url: String!) { addProduct(sourceUrl: $url, image: $image) { id } }",
    { image: null, url: `https://shop.example/auth/${uploadCount + 1}` },
    [await photo()],
  );
const findSimilar = async (authorization: string | undefined) =>
  uploadWith(endpoint, authorization, "mutation ($image: Upload!) { findSimilarProducts(image: $image) { matches { score } } }", { image: null }, [
    await fixtureUpload("coffee.png"),
  ]);
const query = (text: string) => (authorization: string | undefined) => requestWith(endpoint, authorization, text);
const addPhoto = async (authorization: string | undefined) =>
  uploadWith(endpoint, authorization, `mutation ($image: Upload!) { addPhoto(productId: "${NO_SUCH_ID}", image: $image) { id } }`, { image: null }, [await photo()]);

/** Every operation over HTTP and the scope it needs; the subscriptions are in api-keys-ws.test.ts. */
const HTTP_OPERATIONS: Array<{ field: string; scope: Scope; send: (authorization: string | undefined) => Promise<AuthResponse> }> = [
  { field: "Query.product", scope: "read", send: query(`{ product(id: "${NO_SUCH_ID}") { id } }`) },
  { field: "Query.products", scope: "read", send: query("{ products(first: 1) { edges { node { id } } } }") },
  { field: "Query.photo", scope: "read", send: query(`{ photo(id: "${NO_SUCH_ID}") { id } }`) },
  { field: "Query.search", scope: "read", send: query(`{ search(query: "red cup") { score } }`) },
  { field: "Query.similarProducts", scope: "read", send: query(`{ similarProducts(productId: "${NO_SUCH_ID}") { score } }`) },
  { field: "Query.visualIndex", scope: "read", send: query("{ visualIndex { model } }") },
  { field: "Query.apiKeys", scope: "admin", send: query("{ apiKeys { id } }") },
  { field: "Mutation.addProduct", scope: "write", send: addProduct },
  { field: "Mutation.retryAnalysis", scope: "write", send: query(`mutation { retryAnalysis(productId: "${NO_SUCH_ID}") { id } }`) },
  { field: "Mutation.addPhoto", scope: "write", send: addPhoto },
  { field: "Mutation.removePhoto", scope: "write", send: query(`mutation { removePhoto(photoId: "${NO_SUCH_ID}") { id } }`) },
  { field: "Mutation.updateProduct", scope: "write", send: query(`mutation { updateProduct(id: "${NO_SUCH_ID}", input: { title: "t" }) { id } }`) },
  { field: "Mutation.deleteProduct", scope: "write", send: query(`mutation { deleteProduct(id: "${NO_SUCH_ID}") }`) },
  { field: "Mutation.importProducts", scope: "write", send: query(`mutation { importProducts(items: []) { id } }`) },
  { field: "Query.productImport", scope: "read", send: query(`{ productImport(id: "${NO_SUCH_ID}") { id } }`) },
  { field: "Mutation.findSimilarProducts", scope: "search", send: findSimilar },
  { field: "Mutation.createApiKey", scope: "admin", send: query(`mutation { createApiKey(name: "made-over-http", scopes: [READ]) { token } }`) },
  { field: "Mutation.revokeApiKey", scope: "admin", send: query(`mutation { revokeApiKey(id: "${NO_SUCH_ID}") { id } }`) },
];
const SUBSCRIPTIONS = { "Subscription.analysisProgress": "read", "Subscription.productAdded": "read", "Subscription.productRemoved": "read", "Subscription.importProgress": "read" };

function expectRefused(response: AuthResponse, code: "UNAUTHENTICATED" | "FORBIDDEN", extensions: Record<string, unknown> = {}) {
  expect(response.status).toBe(code === "UNAUTHENTICATED" ? 401 : 403);
  expect(response.data).toBeUndefined();
  expect(response.errors).toHaveLength(1);
  expect(response.errors![0]!.extensions).toEqual({ code, ...extensions });
}

describe("the scope of every operation", () => {
  it("is declared for every root field of the schema, as this test lists them", async () => {
    const declared = Object.fromEntries(scopesOfSchema(await buildLookalikeSchema()));
    const listed = { ...Object.fromEntries(HTTP_OPERATIONS.map((o) => [o.field, o.scope])), ...SUBSCRIPTIONS };
    expect(declared).toEqual(listed);
  });
});

describe("refused requests", () => {
  it("need a key: UNAUTHENTICATED (401, WWW-Authenticate) without one, even for __typename", async () => {
    const response = await requestWith(endpoint, undefined, "{ __typename }");
    expectRefused(response, "UNAUTHENTICATED", { reason: "missing" });
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it.each([
    ["a word", "Bearer nope"],
    ["Basic credentials", "Basic dXNlcjpwYXNz"],
    ["a short token", "Bearer lk_abc"],
    ["another prefix", `Bearer xx_${"a".repeat(43)}`],
    ["an empty bearer", "Bearer "],
  ])("refuse a malformed key (%s)", async (_name, header) => {
    const response = await requestWith(endpoint, header, "{ products(first: 1) { edges { cursor } } }");
    expectRefused(response, "UNAUTHENTICATED", { reason: "malformed" });
  });

  it("tell a caller without a valid key nothing of the schema: refused before parsing and validation", async () => {
    expectRefused(await requestWith(endpoint, undefined, "{ productz { id } }"), "UNAUTHENTICATED", { reason: "missing" });
    expectRefused(await requestWith(endpoint, "Bearer nope", "{ {"), "UNAUTHENTICATED", { reason: "malformed" });
    // With a key, the same mistakes are reported as usual.
    const invalid = await requestWith(endpoint, bearer(only.get("read")!), "{ productz { id } }");
    expect(invalid.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("refuse a well-formed key that was never issued", async () => {
    expectRefused(await requestWith(endpoint, bearer(generateToken()), "{ __typename }"), "UNAUTHENTICATED", { reason: "unknown" });
  });

  it("refuse a key once revoked, from the next request on", async () => {
    const token = await maker.create("soon-revoked", ["read"]);
    const id = (await api.sql<{ id: string }>("select id from api_key where name = 'soon-revoked'"))[0]!.id;
    expect((await requestWith(endpoint, bearer(token), "{ __typename }")).data).toEqual({ __typename: "Query" });
    const revoked = await requestWith(endpoint, bearer(only.get("admin")!), `mutation { revokeApiKey(id: "${id}") { name revokedAt } }`);
    expect(revoked.data?.revokeApiKey).toMatchObject({ name: "soon-revoked", revokedAt: expect.any(String) });
    expectRefused(await requestWith(endpoint, bearer(token), "{ __typename }"), "UNAUTHENTICATED", { reason: "revoked" });
  });

  it("refuse a key revoked by another process as soon as the revocation is heard, though it was verified moments before", async () => {
    const token = await maker.create("revoked-elsewhere", ["read"]);
    expect((await requestWith(endpoint, bearer(token), "{ __typename }")).data).toEqual({ __typename: "Query" });
    // This test process revokes it, as `npm run keys -- revoke` or another API process would.
    await maker.keys.revoke("revoked-elsewhere");
    // A verified key is held for 5 s at most; refused well within that, it was the NOTIFY that told the app.
    const giveUpAt = Date.now() + 2_000;
    let response = await requestWith(endpoint, bearer(token), "{ __typename }");
    while (response.status === 200 && Date.now() < giveUpAt) response = await requestWith(endpoint, bearer(token), "{ __typename }");
    expectRefused(response, "UNAUTHENTICATED", { reason: "revoked" });
  });

  it("check root fields reached through fragments", async () => {
    const response = await requestWith(endpoint, bearer(only.get("read")!), "query { ...Keys } fragment Keys on Query { ... on Query { apiKeys { id } } }");
    expectRefused(response, "FORBIDDEN", { scope: "admin", field: "apiKeys" });
  });

  it("leave no rows and no files: uploads without a key, with a bad key, without the scope, or beside a forbidden field", async () => {
    const keysBefore = await api.sql<{ n: number }>("select count(*)::int as n from api_key");
    expectRefused(await addProduct(undefined), "UNAUTHENTICATED", { reason: "missing" });
    expectRefused(await addProduct("Bearer not-a-key"), "UNAUTHENTICATED", { reason: "malformed" });
    expectRefused(await addProduct(bearer(allBut.get("write")!)), "FORBIDDEN", { scope: "write", field: "addProduct" });
    expectRefused(await findSimilar(undefined), "UNAUTHENTICATED", { reason: "missing" });
    expectRefused(await findSimilar(bearer(allBut.get("search")!)), "FORBIDDEN", { scope: "search", field: "findSimilarProducts" });
    // One allowed field and one forbidden: the whole operation is refused before the first runs.
    const mixed = await uploadWith(
      endpoint,
      bearer(only.get("write")!),
      `mutation ($image: Upload!) { addProduct(sourceUrl: "https://shop.example/auth/mixed", image: $image) { id } createApiKey(name: "sneaky", scopes: [ADMIN]) { token } }`,
      { image: null },
      [await photo()],
    );
    expectRefused(mixed, "FORBIDDEN", { scope: "admin", field: "createApiKey" });

    expect(await api.rowCounts()).toEqual({ product: 0, photo: 0 });
    expect(await api.sql("select count(*)::int as n from analysis")).toEqual([{ n: 0 }]);
    expect(await api.sql("select count(*)::int as n from api_key")).toEqual(keysBefore);
    expect(await api.storedFiles()).toEqual([]);

    // The same upload with the scope is stored: the checks above could have failed.
    const allowed = await addProduct(bearer(only.get("write")!));
    expect(allowed.errors).toBeUndefined();
    expect(await api.rowCounts()).toEqual({ product: 1, photo: 1 });
    expect((await api.storedFiles()).length).toBeGreaterThan(0);
  });
});

describe.each(HTTP_OPERATIONS)("$field needs the $scope scope", ({ field, scope, send }) => {
  const name = field.split(".")[1];

  it("UNAUTHENTICATED without a key", async () => {
    expectRefused(await send(undefined), "UNAUTHENTICATED", { reason: "missing" });
  });

  it(`FORBIDDEN, naming ${scope}, with every other scope`, async () => {
    expectRefused(await send(bearer(allBut.get(scope)!)), "FORBIDDEN", { scope, field: name });
  });

  it(`runs with ${scope} alone`, async () => {
    const response = await send(bearer(only.get(scope)!));
    expect(response.status).toBe(200);
    // NOT_FOUND for the made-up ids shows that the resolver ran.
    for (const error of response.errors ?? []) expect(AUTH_CODES).not.toContain(error.extensions?.code);
    expect(response.data).not.toBeUndefined();
  });
});

describe("managing keys over GraphQL", () => {
  it("creates a key whose token is shown once, stored only as its sha256, and works at once", async () => {
    const admin = bearer(only.get("admin")!);
    const created = await requestWith(
      endpoint,
      admin,
      `mutation { createApiKey(name: "web", scopes: [SEARCH, READ]) { token key { id name prefix scopes lastUsedAt revokedAt } } }`,
    );
    expect(created.errors).toBeUndefined();
    const { token, key } = created.data!.createApiKey;
    expect(token).toMatch(/^lk_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({ name: "web", scopes: ["READ", "SEARCH"], lastUsedAt: null, revokedAt: null, prefix: token.slice(0, 11) });

    const [row] = await api.sql<Record<string, unknown>>("select * from api_key where id = $1", [key.id]);
    expect(JSON.stringify(row)).not.toContain(token.slice(11));
    expect((row!.token_hash as Buffer).equals(createHash("sha256").update(token).digest())).toBe(true);

    const listed = await requestWith(endpoint, admin, "{ apiKeys { id name } }");
    expect(listed.data!.apiKeys).toContainEqual({ id: key.id, name: "web" });
    expect(JSON.stringify(listed)).not.toContain(token);

    expect((await requestWith(endpoint, bearer(token), "{ products(first: 1) { edges { cursor } } }")).errors).toBeUndefined();
    await expect.poll(async () => (await api.sql("select last_used_at from api_key where id = $1", [key.id]))[0]!.last_used_at).not.toBeNull();
  });

  it("refuses a second key in use under the same name, and an empty scope list", async () => {
    const admin = bearer(only.get("admin")!);
    const again = await requestWith(endpoint, admin, `mutation { createApiKey(name: "web", scopes: [READ]) { token } }`);
    expect(again.errors?.[0]?.extensions?.code).toBe("DUPLICATE_API_KEY_NAME");
    const none = await requestWith(endpoint, admin, `mutation { createApiKey(name: "nothing", scopes: []) { token } }`);
    expect(none.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await api.sql("select name from api_key where name in ('nothing')")).toEqual([]);
  });
});

describe("the SDK", () => {
  it("sends its apiKey as a bearer token", async () => {
    const withKey = createLookalikeClient({ url: endpoint, apiKey: only.get("read")! });
    expect((await withKey.request(ProductsDocument, { first: 1 })).products.edges).toHaveLength(1);

    const refused = await createLookalikeClient({ url: endpoint }).request(ProductsDocument, { first: 1 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LookalikeRequestError);
    expect(refused).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
    const forbidden = await createLookalikeClient({ url: endpoint, apiKey: only.get("write")! }).request(ProductsDocument, { first: 1 }).catch((error: unknown) => error);
    expect(forbidden).toMatchObject({ status: 403, code: "FORBIDDEN", errors: [{ extensions: { scope: "read" } }] });
  });
});
