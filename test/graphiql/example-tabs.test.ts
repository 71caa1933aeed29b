import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { buildLookalikeSchema } from "../../src/graphql/schema.js";
import { EXAMPLE_TABS } from "../../src/server/graphiql/example-tabs.js";

/** A newcomer's first tabs must run: each one is a valid operation against the schema we serve. */
describe("GraphiQL's example tabs", () => {
  it("are each one valid operation against the schema", async () => {
    const schema = await buildLookalikeSchema();
    for (const tab of EXAMPLE_TABS) {
      const document = parse(tab.query);
      expect(validate(schema, document).map((error) => error.message), tab.query.split("\n")[0]).toEqual([]);
      expect(document.definitions.filter((definition) => definition.kind === "OperationDefinition")).toHaveLength(1);
      if (tab.variables) expect(() => JSON.parse(tab.variables)).not.toThrow();
    }
  });
});
