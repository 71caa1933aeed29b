import type { CodegenConfig } from "@graphql-codegen/cli";
import { persistedDocumentHash, persistedDocumentText } from "./src/trusted-documents/document-hash.js";
import * as manifestPlugin from "./src/trusted-documents/manifest-plugin.js";

/**
 * The typed SDK: operation types and typed document nodes for every
 * operation in schema/operations/, generated from the checked-in schema.
 * `npm run codegen` writes src/sdk/generated/; a test fails when it is stale.
 */
export const GENERATED_SDK_FILE = "src/sdk/generated/graphql.ts";
/** hash → document for every SDK operation: what TRUSTED_DOCUMENTS lets trusted-only keys run (see README, Security). */
export const PERSISTED_DOCUMENTS_FILE = "src/sdk/generated/persisted-documents.json";

const config: CodegenConfig = {
  schema: "schema/schema.graphql",
  documents: "schema/operations/*.graphql",
  ignoreNoDocuments: false,
  generates: {
    [GENERATED_SDK_FILE]: {
      // typescript-operations (v6) emits the enums and inputs the operations use, so the
      // schema-wide "typescript" plugin is not needed: the SDK carries only what it exposes.
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        strictScalars: true,
        scalars: {
          // A File or Blob going up; Upload never comes back down.
          Upload: { input: "Blob", output: "never" },
          DateTimeISO: { input: "string", output: "string" },
        },
        dedupeFragments: true,
        // Each document carries its persisted-document hash as __meta__.hash (how the client
        // preset's persistedDocuments does it), so the SDK can send the hash instead of the text.
        unstable_onExecutableDocumentNode: (document: Parameters<typeof persistedDocumentText>[0]) => ({
          hash: persistedDocumentHash(persistedDocumentText(document)),
        }),
      },
    },
    [PERSISTED_DOCUMENTS_FILE]: { plugins: [manifestPlugin.MANIFEST_PLUGIN] },
  },
  // Our own plugin is found by name; every other one is loaded as codegen would.
  pluginLoader: (name: string) => (name.endsWith(manifestPlugin.MANIFEST_PLUGIN) ? Promise.resolve(manifestPlugin) : import(name)),
};

export default config;
