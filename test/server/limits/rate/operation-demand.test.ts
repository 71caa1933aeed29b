import { parse } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { buildLookalikeSchema } from "../../../../src/graphql/schema.js";
import { checkQueueingFields, operationDemand } from "../../../../src/server/limits/rate/operation-demand.js";
import { addressBlock } from "../../../../src/server/limits/rate/subject.js";

let schema: Awaited<ReturnType<typeof buildLookalikeSchema>>;

beforeAll(async () => {
  schema = await buildLookalikeSchema();
});

function demandOf(source: string) {
  const document = parse(source);
  const operation = document.definitions.find((d) => d.kind === "OperationDefinition");
  return operationDemand(schema, document, operation as never);
}

describe("what an operation puts on the queue", () => {
  it("names only fields the schema has", () => {
    expect(() => checkQueueingFields(schema)).not.toThrow();
  });

  it("counts uploads by their Upload argument and queued analyses by field, each alias and fragment included", () => {
    expect(demandOf(`{ products(first: 5) { edges { node { id } } } }`)).toEqual({ uploads: 0, analyses: 0 });
    expect(demandOf(`mutation ($i: Upload!) { addProduct(sourceUrl: "https://a.example", image: $i) { id } }`)).toEqual({ uploads: 1, analyses: 1 });
    expect(demandOf(`mutation ($i: Upload!) { findSimilarProducts(image: $i) { queryTags } }`)).toEqual({ uploads: 1, analyses: 0 });
    expect(demandOf(`mutation { retryAnalysis(productId: "x") { id } }`)).toEqual({ uploads: 0, analyses: 1 });
    expect(
      demandOf(`mutation ($i: Upload!, $j: Upload!) {
        a: addProduct(sourceUrl: "https://a.example", image: $i) { id }
        ... on Mutation { b: addProduct(sourceUrl: "https://b.example", image: $j) { id } }
        ...Retry
      }
      fragment Retry on Mutation { retryAnalysis(productId: "x") { id } }`),
    ).toEqual({ uploads: 2, analyses: 3 });
  });
});

describe("the client address a bucket belongs to", () => {
  it("is the IPv4 address, unwrapped from IPv4-mapped IPv6", () => {
    expect(addressBlock("203.0.113.7")).toBe("203.0.113.7");
    expect(addressBlock("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("is the /64 of an IPv6 address, however it is written", () => {
    expect(addressBlock("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(addressBlock("2001:0DB8:0001:0002:ffff:0:0:9")).toBe("2001:db8:1:2::/64");
    expect(addressBlock("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressBlock("::1")).toBe("0:0:0:0::/64");
    expect(addressBlock("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });

  it("is 'unknown' when there is none", () => {
    expect(addressBlock("")).toBe("unknown");
  });
});
