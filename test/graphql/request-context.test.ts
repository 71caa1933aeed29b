import { ApolloServer } from "@apollo/server";
import { describe, expect, it } from "vitest";
import { createContextFactory, type ContextDependencies, type RequestContext } from "../../src/graphql/context.js";

/**
 * Apollo Server runs every operation on a shallow copy of the context
 * (Object.assign onto its prototype). The copy must not make the request's
 * data scope (an EntityManager fork and its loaders) unless a resolver reads
 * it, and must share it with the original when one does.
 */
function countingDependencies() {
  const forks: object[] = [];
  const deps = {
    orm: { em: { fork: () => { const em = { fork: forks.length }; forks.push(em); return em; } } },
    createCatalog: (em: object) => ({ em }),
    createSimilarity: (em: object) => ({ em }),
  } as unknown as ContextDependencies;
  return { deps, forks };
}

async function serverReadingCatalog() {
  const seen: unknown[] = [];
  const server = new ApolloServer<RequestContext>({
    typeDefs: "type Query { plain: String, catalogue: String, again: String }",
    resolvers: {
      Query: {
        plain: () => "plain",
        catalogue: (_root, _args, context) => { seen.push(context.catalog); return "read"; },
        again: (_root, _args, context) => { seen.push(context.loaders.productById && context.catalog); return "read"; },
      },
    },
  });
  await server.start();
  return { server, seen };
}

const origin = { protocol: "http", host: "shop.example", auth: { mode: "off", key: null } } as never;

describe("a request's context", () => {
  it("makes no data scope for an operation that reads no data", async () => {
    const { deps, forks } = countingDependencies();
    const { server } = await serverReadingCatalog();
    const context = await createContextFactory(deps)(origin);
    const answer = await server.executeOperation({ query: "{ __typename plain }" }, { contextValue: context });
    expect(answer.body.kind === "single" && answer.body.singleResult.data).toEqual({ __typename: "Query", plain: "plain" });
    expect(forks).toHaveLength(0);
    await server.stop();
  });

  it("makes one scope on first read, shared by every field and by the context Apollo copied it from", async () => {
    const { deps, forks } = countingDependencies();
    const { server, seen } = await serverReadingCatalog();
    const context = await createContextFactory(deps)(origin);
    await server.executeOperation({ query: "{ catalogue again }" }, { contextValue: context });
    expect(forks).toHaveLength(1);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(seen[0]);
    expect(context.catalog).toBe(seen[0]);
    expect(context.publicUrl).toBe("http://shop.example");
    await server.stop();
  });

  it("gives each request a scope of its own", async () => {
    const { deps, forks } = countingDependencies();
    const contexts = createContextFactory(deps);
    const [first, second] = [await contexts(origin), await contexts(origin)];
    expect(first.catalog).not.toBe(second.catalog);
    expect(forks).toHaveLength(2);
  });
});
