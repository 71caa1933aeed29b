import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * The typed SDK: operation types and typed document nodes for every
 * operation in schema/operations/, generated from the checked-in schema.
 * `npm run codegen` writes src/sdk/generated/; a test fails when it is stale.
 */
export const GENERATED_SDK_FILE = "src/sdk/generated/graphql.ts";

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
      },
    },
  },
};

export default config;
