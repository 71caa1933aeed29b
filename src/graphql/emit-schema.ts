import { writeFile } from "node:fs/promises";
import { buildLookalikeSchema } from "./schema.js";
import { printSchemaFile, SCHEMA_FILE } from "./print-schema.js";

/** `npm run schema:emit`: writes schema/schema.graphql from the code. */
const schema = await buildLookalikeSchema();
await writeFile(SCHEMA_FILE, printSchemaFile(schema));
console.log(`wrote ${SCHEMA_FILE}`);
