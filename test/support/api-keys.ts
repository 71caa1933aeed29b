import type { MikroORM } from "@mikro-orm/postgresql";
import { ApiKeyStore } from "../../src/auth/api-key-store.js";
import { ApiKeys } from "../../src/auth/api-keys.js";
import type { Scope } from "../../src/auth/scopes.js";
import { createOrm } from "../../src/db/orm.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "./chat-completions-server-process.js";
import type { GraphQLResponse, UploadPart } from "./graphql-client.js";
import { features } from "./images.js";
import { startTestApp, type TestApp } from "./test-app.js";
import { catalogEntities } from "../../src/catalog/entities.js";

/**
 * Keys made the way `npm run keys` makes them (src/auth/api-keys.ts), in the
 * test app's own database; the app must have migrated it.
 */
export async function keyMaker(databaseUrl: string): Promise<{ create(name: string, scopes: readonly Scope[]): Promise<string>; keys: ApiKeys; close(): Promise<void> }> {
  const orm: MikroORM = await createOrm({ url: databaseUrl, poolMax: 1, log: () => {}, entities: catalogEntities });
  const keys = new ApiKeys(new ApiKeyStore((sql, params) => orm.em.getConnection().execute(sql, params)), "required");
  return {
    keys,
    create: async (name, scopes) => (await keys.create(name, scopes)).token,
    close: () => orm.close(),
  };
}

export type KeyMaker = Awaited<ReturnType<typeof keyMaker>>;

/**
 * The app with AUTH=required and a scripted OpenAI-compatible tagger (a real
 * chat-completions server), so allowed uploads really are stored and
 * analysed; with a key maker on its database.
 */
export async function startKeyedApp(): Promise<{ llm: ChatCompletionsServer; api: TestApp; endpoint: string; maker: KeyMaker }> {
  const llm = await startChatCompletionsServer();
  await llm.setDefault({ kind: "features", features: features({ cup: ["red"] }) });
  const api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl, VISUAL_SEARCH: "false", AUTH: "required" });
  return { llm, api, endpoint: `${api.app.url}/graphql`, maker: await keyMaker(api.databaseUrl) };
}

export interface AuthResponse<T = Record<string, any>> extends GraphQLResponse<T> {
  headers: Headers;
}

/** A JSON GraphQL request over real HTTP with an Authorization header of our choosing (none when undefined). */
export async function requestWith<T = Record<string, any>>(
  endpoint: string,
  authorization: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<AuthResponse<T>> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, ...((await response.json()) as object) };
}

/** A multipart GraphQL request (the upload spec) with an Authorization header of our choosing. */
export async function uploadWith<T = Record<string, any>>(
  endpoint: string,
  authorization: string | undefined,
  query: string,
  variables: Record<string, unknown>,
  files: UploadPart[],
): Promise<AuthResponse<T>> {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query, variables }));
  form.append("map", JSON.stringify(Object.fromEntries(files.map((file, index) => [String(index), [file.variable]]))));
  files.forEach((file, index) => form.append(String(index), new Blob([file.bytes]), file.filename));
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "apollo-require-preflight": "true", ...(authorization === undefined ? {} : { authorization }) },
    body: form,
  });
  return { status: response.status, headers: response.headers, ...((await response.json()) as object) };
}

export const bearer = (token: string) => `Bearer ${token}`;
