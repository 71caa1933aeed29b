import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { getIntrospectionQuery, parse, specifiedRules, validate, type GraphQLSchema } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { buildLookalikeSchema } from "../../../src/graphql/schema.js";
import { documentLimitRules } from "../../../src/server/limits/document-limits.js";
import { actualCost, requestedCost } from "../../../src/server/limits/query-cost.js";
import { countTokens } from "../../../src/server/limits/token-limit.js";

/**
 * The cost calculation on the real schema, and the defaults checked against
 * what the SDK itself sends: every operation in schema/operations/ must pass
 * every limit, or the default limits would refuse our own clients.
 */
let schema: GraphQLSchema;
const defaults = loadConfig({}).queryLimits;
const OPERATIONS_DIR = "schema/operations";

async function sdkOperations(): Promise<Array<{ name: string; source: string }>> {
  const files = (await readdir(OPERATIONS_DIR)).filter((name) => name.endsWith(".graphql"));
  const fragments = await readFile(path.join(OPERATIONS_DIR, "fragments.graphql"), "utf8");
  const operations = files.filter((name) => name !== "fragments.graphql");
  return Promise.all(
    operations.map(async (name) => {
      const source = await readFile(path.join(OPERATIONS_DIR, name), "utf8");
      // Only the fragments it spreads: graphql-js refuses unused ones.
      const used = fragments.split(/(?=^fragment )/m).filter((fragment) => fragment.startsWith("fragment "));
      return { name, source: `${source}\n${closure(source, used).join("\n")}` };
    }),
  );
}

/** The fragments a document spreads, and those they spread, in turn. */
function closure(source: string, fragments: string[]): string[] {
  const byName = new Map(fragments.map((fragment) => [/^fragment (\w+)/.exec(fragment)![1]!, fragment]));
  const found = new Set<string>();
  const visit = (text: string) => {
    for (const [, name] of text.matchAll(/\.\.\.(\w+)/g)) {
      if (name && byName.has(name) && !found.has(name)) {
        found.add(name);
        visit(byName.get(name)!);
      }
    }
  };
  visit(source);
  return [...found].map((name) => byName.get(name)!);
}

beforeAll(async () => {
  schema = await buildLookalikeSchema();
});

describe("requestedCost", () => {
  it("prices a list by its first/limit argument times what is selected under it", () => {
    const query = parse(`query ($n: Int!) { products(first: $n) { edges { node { id photos { id } } } } }`);
    // products 1 + n × (edges 1 + node 1 + photos (1, its 4 photos select scalars only))
    expect(requestedCost(schema, query, { variables: { n: 20 } })).toBe(1 + 20 * 3);
    expect(requestedCost(schema, query, { variables: { n: 100 } })).toBe(1 + 100 * 3);
  });

  it("uses argument defaults, and prices root fields that do real work above 1", () => {
    // search 10 + limit 10 × (product 1); matchedTags is a scalar list: free
    expect(requestedCost(schema, parse(`{ search(query: "mug") { matchedTags product { id } } }`))).toBe(10 + 10 * 1);
    expect(requestedCost(schema, parse(`{ visualIndex { photos } }`))).toBe(5);
  });

  it("multiplies nested nearDuplicates, so a recursive query is priced out", () => {
    const two = parse(`{ photo(id: "x") { nearDuplicates(first: 100) { photo { nearDuplicates(first: 100) { photo { id } } } } } }`);
    expect(requestedCost(schema, two)).toBe(1 + (1 + 100 * (1 + (1 + 100 * 1))));
    let eight = "id";
    for (let level = 0; level < 8; level += 1) eight = `nearDuplicates { photo { ${eight} } }`;
    expect(requestedCost(schema, parse(`{ photo(id: "x") { ${eight} } }`))).toBeGreaterThan(10 ** 8);
  });

  it("prices a fragment once however often it is spread inside itself, so nested spreads cannot explode", () => {
    const fragments = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { a: visualIndex { photos } ...F${i + 1} ...F${i + 1} }`).join("\n");
    const document = parse(`{ ...F0 } ${fragments} fragment F30 on Query { visualIndex { photos } }`);
    const started = performance.now();
    expect(requestedCost(schema, document)).toBe(5 * (2 ** 31 - 1));
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe("actualCost", () => {
  it("counts what was returned: lists at their real length", () => {
    const query = parse(`{ products(first: 50) { edges { node { id photos { id } } } } }`);
    const data = { products: { edges: [{ node: { id: "1", photos: [{ id: "p" }] } }, { node: { id: "2", photos: [] } }] } };
    // products 1 + edges 1 + per node (node 1 + photos 1); the requested cost, an upper bound, priced edges once per `first`
    expect(actualCost(schema, query, {}, data)).toBe(1 + 1 + 2 * (1 + 1));
    expect(requestedCost(schema, query)).toBe(1 + 50 * 3);
    expect(actualCost(schema, query, {}, { products: { edges: [] } })).toBe(1 + 1);
  });

  it("counts aliases, inline fragments and spreads as the response holds them", () => {
    const query = parse(`{ a: visualIndex { photos } ...Q ... on Query { c: products(first: 2) { edges { node { id } } } } }
      fragment Q on Query { b: visualIndex { photos } }`);
    const data = { a: { photos: 1 }, b: { photos: 1 }, c: { edges: [{ node: { id: "1" } }, { node: null }] } };
    // a 5 + b 5 + c (products 1 + edges 1 + node 1 per edge: a null is an answer too); a field left out counts nothing
    expect(actualCost(schema, query, {}, data)).toBe(5 + 5 + 1 + 1 + 2 * 1);
    expect(actualCost(schema, query, {}, { a: null, b: { photos: 0 } })).toBe(5 + 5);
  });

  it("counts a fragment spread twice in one selection once, as graphql-js runs it once, so nested spreads cannot explode", () => {
    // Each fragment spreads the next twice: scalar fields only, so the requested cost stays low and the operation runs.
    const fragments = Array.from({ length: 60 }, (_, i) => `fragment F${i} on VisualIndex { photos ...F${i + 1} ...F${i + 1} }`).join("\n");
    const document = parse(`{ visualIndex { ...F0 } } ${fragments} fragment F60 on VisualIndex { photos }`);
    expect(requestedCost(schema, document)).toBe(5);
    const started = performance.now();
    expect(actualCost(schema, document, {}, { visualIndex: { photos: 3 } })).toBe(5);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe("the default limits", () => {
  it("let every SDK operation through", async () => {
    const operations = await sdkOperations();
    expect(operations.length).toBeGreaterThan(5);
    for (const { name, source } of operations) {
      const document = parse(source);
      expect(validate(schema, document, [...specifiedRules, ...documentLimitRules(defaults)]), name).toEqual([]);
      expect(countTokens(source), name).toBeLessThanOrEqual(defaults.maxTokens);
      expect(requestedCost(schema, document), name).toBeLessThanOrEqual(defaults.maxCost);
    }
  });

  it("let GraphiQL's introspection query through (left out of depth and cost; off in production)", () => {
    const source = getIntrospectionQuery({ inputValueDeprecation: true, descriptions: true });
    expect(countTokens(source)).toBeLessThanOrEqual(defaults.maxTokens);
    expect(validate(schema, parse(source), [...specifiedRules, ...documentLimitRules(defaults)])).toEqual([]);
  });
});
