import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { printSchemaFile, SCHEMA_FILE } from "../../src/graphql/print-schema.js";
import { buildLookalikeSchema } from "../../src/graphql/schema.js";

describe("schema/schema.graphql", () => {
  it("is what the code emits (run `npm run schema:emit` after changing the schema)", async () => {
    const emitted = printSchemaFile(await buildLookalikeSchema());
    expect(await readFile(SCHEMA_FILE, "utf8")).toBe(emitted);
  });

  it("derives the ImageFeatures type from the zod schema", async () => {
    const sdl = await readFile(SCHEMA_FILE, "utf8");
    expect(sdl).toMatch(/type ImageFeatures \{[^}]*mainObjects: \[DetectedObject!\]![^}]*overallStyle: \[StyleTag!\]!/s);
    expect(sdl).toMatch(/enum AttributeKind \{\s*BRAND\s*COLOR\s*MATERIAL\s*OTHER\s*PATTERN\s*SHAPE\s*TEXT\s*\}/);
  });
});
