import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const INTROSPECTION = "{ __schema { queryType { name } } }";

const getPage = (app: TestApp, accept = BROWSER_ACCEPT) => fetch(`${app.app.url}/graphql`, { headers: { accept } });
const introspect = (app: TestApp) => app.client.query(INTROSPECTION);

describe("GraphiQL and introspection settings", () => {
  it("are on by default, and off in production unless asked for", () => {
    expect(loadConfig({}).http).toMatchObject({ graphiql: true, introspection: true });
    expect(loadConfig({ NODE_ENV: "production" }).http).toMatchObject({ graphiql: false, introspection: false });
    expect(loadConfig({ NODE_ENV: "production", GRAPHIQL: "true", INTROSPECTION: "1" }).http).toMatchObject({ graphiql: true, introspection: true });
    expect(loadConfig({ GRAPHIQL: "false", INTROSPECTION: "false" }).http).toMatchObject({ graphiql: false, introspection: false });
    expect(() => loadConfig({ GRAPHIQL: "yes" })).toThrow(/GRAPHIQL/);
  });
});

describe("GraphiQL at GET /graphql (development)", () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startTestApp({ TAGGER: "none" });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it("serves the page to browsers, with every asset from this server (no CDN)", async () => {
    const response = await getPage(api);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<div id="graphiql">');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!).filter((url) => !url.startsWith("data:"));
    expect(assets.length).toBe(6);
    for (const asset of assets) {
      expect(asset, "assets are served by us, from node_modules").toMatch(/^\/graphiql\/assets\//);
      const served = await fetch(`${api.app.url}${asset}`);
      expect(served.status, asset).toBe(200);
      expect(served.headers.get("content-type"), asset).toMatch(asset.endsWith(".css") ? /^text\/css/ : /javascript/);
      expect((await served.arrayBuffer()).byteLength, asset).toBeGreaterThan(1000);
    }
    expect(html).toMatch(/"tabs":\[\{"query":"# Adds a product/);
  });

  it("leaves every other request to the GraphQL endpoint", async () => {
    for (const accept of ["application/json", "*/*", "application/graphql-response+json"]) {
      const response = await getPage(api, accept);
      expect(response.headers.get("content-type"), accept).not.toMatch(/html/);
    }
    expect((await api.client.query("{ __typename }")).data).toEqual({ __typename: "Query" });
    expect((await introspect(api)).data).toEqual({ __schema: { queryType: { name: "Query" } } });
    expect((await fetch(`${api.app.url}/graphiql/assets/package.json`)).status).toBe(404);
  });
});

describe("in production (NODE_ENV=production)", () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startTestApp({ TAGGER: "none", NODE_ENV: "production", AUTH: "off" });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it("serves neither GraphiQL nor introspection", async () => {
    const page = await getPage(api);
    expect(page.headers.get("content-type")).not.toMatch(/html/);
    expect((await fetch(`${api.app.url}/graphiql/assets/index.umd.js`)).status).toBe(404);
    const introspection = await introspect(api);
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    expect((await api.client.query("{ __typename }")).data).toEqual({ __typename: "Query" });
  });
});
