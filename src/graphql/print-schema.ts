import { lexicographicSortSchema, printSchema, type GraphQLSchema } from "graphql";

export const SCHEMA_FILE = new URL("../../schema/schema.graphql", import.meta.url);

/** Sorted, so the file changes only when the schema does. */
export function printSchemaFile(schema: GraphQLSchema): string {
  return `# Emitted from the code by \`npm run schema:emit\`; do not edit by hand.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}
