import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { generate } from "@graphql-codegen/cli";
import { describe, expect, it } from "vitest";
import codegenConfig from "../../codegen.js";

const SDK_DIR = "src/sdk";
/** What SDK code may import: itself, graphql, and types. The example script, a Node program, may use node: modules too. */
const ALLOWED_PACKAGES = new Set(["graphql", "@graphql-typed-document-node/core"]);

describe("the generated SDK (src/sdk/generated)", () => {
  it("is what `npm run codegen` generates from schema/ (run it after changing the schema or operations)", async () => {
    const outputs = await generate(codegenConfig, false);
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      const checkedIn = await readFile(output.filename, "utf8").catch(() => "(missing)");
      expect(checkedIn, `${path.relative(process.cwd(), output.filename)} is stale: run npm run codegen`).toBe(output.content);
    }
  });

  it("types every operation the SDK promises", async () => {
    const sdk = await readFile("src/sdk/generated/graphql.ts", "utf8");
    const operations = [
      ...["AddProductMutation", "FindSimilarProductsMutation", "RetryAnalysisMutation", "DeleteProductMutation", "UpdateProductMutation", "AddPhotoMutation", "RemovePhotoMutation", "ImportProductsMutation"],
      ...["SearchQuery", "ProductQuery", "ProductByExternalIdQuery", "PhotoQuery", "ProductsQuery", "ProductImportQuery"],
      ...["AnalysisProgressSubscription", "ProductAddedSubscription", "ProductRemovedSubscription", "ImportProgressSubscription"],
    ];
    for (const operation of operations) {
      expect(sdk).toContain(`export type ${operation} =`);
      expect(sdk).toContain(`export type ${operation}Variables =`);
    }
    // The shop's details are optional: a client that sends only sourceUrl and image still type-checks.
    expect(sdk).toMatch(/export type AddProductMutationVariables = Exact<\{\s*sourceUrl: string;\s*image: Blob;\s*externalId\?: [^;]+;\s*title\?: [^;]+;\s*attributes\?: [^;]+;\s*\}>/);
  });

  it("imports no server code", async () => {
    const files = (await readdir(SDK_DIR, { recursive: true })).filter((file) => file.endsWith(".ts")).map((file) => path.join(SDK_DIR, file));
    for (const file of files) {
      const source = await readFile(file, "utf8");
      for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
        const allowed = specifier!.startsWith(".")
          ? path.resolve(path.dirname(file), specifier!).startsWith(path.resolve(SDK_DIR))
          : ALLOWED_PACKAGES.has(specifier!) || (file.endsWith("example.ts") && specifier!.startsWith("node:"));
        expect(allowed, `${file} imports ${specifier}`).toBe(true);
      }
    }
  });
});
