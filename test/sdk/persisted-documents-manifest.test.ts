import { readdir, readFile } from "node:fs/promises";
import { generate } from "@graphql-codegen/cli";
import { Kind, parse } from "graphql";
import { describe, expect, it } from "vitest";
import codegenConfig, { PERSISTED_DOCUMENTS_FILE } from "../../codegen.js";
import * as sdk from "../../src/sdk/index.js";
import { persistedDocumentHash } from "../../src/trusted-documents/document-hash.js";
import { PersistedDocuments } from "../../src/trusted-documents/manifest.js";

/** The persisted-document manifest (hash → document) that TRUSTED_DOCUMENTS holds keys to. */
const readManifest = async () => JSON.parse(await readFile(PERSISTED_DOCUMENTS_FILE, "utf8")) as Record<string, string>;

describe(`the persisted-document manifest (${PERSISTED_DOCUMENTS_FILE})`, () => {
  it("is what `npm run codegen` generates from schema/operations (run it after changing an operation)", async () => {
    const outputs = await generate(codegenConfig, false);
    const output = outputs.find((o: { filename: string }) => o.filename.endsWith(PERSISTED_DOCUMENTS_FILE));
    expect(output, "codegen.ts emits no manifest").toBeDefined();
    expect(await readFile(PERSISTED_DOCUMENTS_FILE, "utf8").catch(() => "(missing)"), `${PERSISTED_DOCUMENTS_FILE} is stale: run npm run codegen`).toBe(
      output!.content,
    );
  });

  it("holds every operation of schema/operations once, under the sha256 of its text", async () => {
    const sources = (await readdir("schema/operations")).filter((f) => f.endsWith(".graphql"));
    const operationNames = (await Promise.all(sources.map(async (f) => parse(await readFile(`schema/operations/${f}`, "utf8")).definitions)))
      .flat()
      .flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION && d.name ? [d.name.value] : []));
    const manifest = await readManifest();
    const named = Object.values(manifest).map((text) => /^(?:query|mutation|subscription) (\w+)/.exec(text)?.[1]);
    expect(named.sort()).toEqual([...operationNames].sort());
    for (const [hash, text] of Object.entries(manifest)) expect(persistedDocumentHash(text)).toBe(hash);
  });

  it("knows the hash each SDK document carries (what the client sends with persistedDocuments: true)", async () => {
    const manifest = await readManifest();
    const documents = Object.entries(sdk).filter(([name]) => name.endsWith("Document"));
    expect(documents.length).toBe(Object.keys(manifest).length);
    for (const [name, document] of documents) {
      const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
      expect(hash && manifest[hash], `${name} carries no hash the manifest knows`).toBeTruthy();
      // The manifest's text is the same operation the SDK would send as text.
      expect(parse(manifest[hash!]!).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)).toMatchObject({
        name: { value: name.replace(/Document$/, "") },
      });
    }
  });

  it("is refused by the server when an entry does not hash to its key", () => {
    expect(PersistedDocuments.ofSdk().size).toBeGreaterThan(0);
    const forged = { [persistedDocumentHash("{ products(first: 1) { edges { cursor } } }")]: "{ apiKeys { id } }" };
    expect(() => PersistedDocuments.fromManifest(forged)).toThrow(/does not hash to its key/);
  });
});
