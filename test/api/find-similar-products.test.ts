import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { fixtureUpload, type UploadPart } from "../support/graphql-client.js";
import { features, sha256, solidPng } from "../support/images.js";
import { addProductAndWait } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

// by: TAGS: today's explained tag ranking, unchanged by visual search (test/api/visual-similarity.test.ts covers HYBRID).
const FIND_SIMILAR = /* GraphQL */ `
  mutation ($image: Upload!, $limit: Int) {
    findSimilarProducts(image: $image, limit: $limit, by: TAGS) {
      queryTags
      queryFeatures { mainObjects { objectType } }
      matches { score matchedTags product { id sourceUrl } }
    }
  }`;

let llm: ChatCompletionsServer;
let api: TestApp;
const ids: Record<string, string> = {};

async function add(name: string, bytes: Uint8Array, tagged: ReturnType<typeof features>) {
  await llm.script(sha256(bytes), [{ kind: "features", features: tagged }]);
  const added = await addProductAndWait(api.client, `https://shop.example/${name}`, { variable: "variables.image", bytes, filename: `${name}.png` });
  expect(added.analysis.status).toBe("READY");
  ids[name] = added.id;
}

const findSimilar = (image: UploadPart, limit?: number) => api.client.upload(FIND_SIMILAR, { image: null, limit }, [image]);

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl });
  const coffee = await fixtureUpload("coffee.png");
  await add("coffee", coffee.bytes, features({ cup: ["red", "white"], saucer: ["white"] }, ["minimalist"]));
  await add("red-sofa", await solidPng(180, 20, 20), features({ sofa: ["red"] }, ["vintage"]));
  await add("cat", (await fixtureUpload("chelsea.png")).bytes, features({ cat: ["brown", "gray"] }));
  // Two products that tie with each other: the newer must come first.
  await add("mug-old", await solidPng(20, 20, 180), features({ cup: ["blue"] }));
  await add("mug-new", await solidPng(20, 180, 20), features({ cup: ["green"] }));
});

afterAll(async () => {
  await api?.stop();
  await llm?.stop();
});

describe("findSimilarProducts", () => {
  it("returns the product of a related photo first, scored by shared tags", async () => {
    // The same cup, re-encoded as a smaller JPEG: different bytes, a related photo.
    const related = await sharp("test/fixtures/coffee.png").resize(300).jpeg({ quality: 70 }).toBuffer();
    await llm.script(sha256(related), [{ kind: "features", features: features({ cup: ["red"], saucer: ["white"] }) }]);
    const filesBefore = await api.storedFiles();

    const { data, errors } = await findSimilar({ variable: "variables.image", bytes: related, filename: "query.jpg" });
    expect(errors).toBeUndefined();
    const result = data!.findSimilarProducts;
    expect(result.queryTags).toEqual(["color:red", "color:white", "object:cup", "object:saucer"]);
    expect(result.queryFeatures.mainObjects.map((object: { objectType: string }) => object.objectType)).toEqual(["cup", "saucer"]);
    expect(result.matches[0]).toMatchObject({
      matchedTags: ["color:red", "color:white", "object:cup", "object:saucer"],
      product: { id: ids.coffee, sourceUrl: "https://shop.example/coffee" },
    });
    // Every query tag matched; only the stored tags' confidence (0.9 for objects) keeps it under 1.
    expect(result.matches[0].score).toBeGreaterThan(0.9);
    expect(result.matches[0].score).toBeLessThanOrEqual(1);
    expect(result.matches.map((match: { product: { id: string } }) => match.product.id)).toEqual([
      ids.coffee,
      ids["mug-new"], // object:cup; newer than mug-old
      ids["mug-old"],
      ids["red-sofa"], // color:red
    ]);
    expect(await api.storedFiles()).toEqual(filesBefore); // the query photo is not kept
    expect(await api.rowCounts()).toEqual({ product: 5, photo: 5 });
  });

  it("honours the limit", async () => {
    const query = await solidPng(1, 1, 1);
    await llm.script(sha256(query), [{ kind: "features", features: features({ cup: [] }) }]);
    const { data } = await findSimilar({ variable: "variables.image", bytes: query, filename: "q.png" }, 2);
    expect(data!.findSimilarProducts.matches.map((match: { product: { id: string } }) => match.product.id)).toEqual([
      ids["mug-new"],
      ids["mug-old"],
    ]);
  });

  it("returns no matches when nothing shares a tag", async () => {
    const query = await solidPng(2, 2, 2);
    await llm.script(sha256(query), [{ kind: "features", features: features({ bicycle: ["black"] }) }]);
    const { data, errors } = await findSimilar({ variable: "variables.image", bytes: query, filename: "q.png" });
    expect(errors).toBeUndefined();
    expect(data!.findSimilarProducts.matches).toEqual([]);
  });

  it.each([0, 101, -5])("refuses limit %d and keeps nothing", async (limit) => {
    const { errors } = await findSimilar(await fixtureUpload("chelsea.png"), limit);
    expect(errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await api.storedFiles()).toHaveLength(5);
  });

  it.each([
    ["a non-image", { variable: "variables.image", bytes: Buffer.from("%PDF-1.7 not an image"), filename: "q.jpg" }, "UNSUPPORTED_MEDIA_TYPE"],
    ["an empty file", { variable: "variables.image", bytes: new Uint8Array(), filename: "q.png" }, "EMPTY_FILE"],
  ])("refuses %s and keeps nothing", async (_name, image, code) => {
    const { errors } = await findSimilar(image);
    expect(errors?.[0]?.extensions?.code).toBe(code);
    expect(await api.storedFiles()).toHaveLength(5);
  });

  it("refuses a truncated photo and keeps nothing", async () => {
    const { errors } = await findSimilar(await fixtureUpload("truncated.jpg"));
    expect(errors?.[0]?.extensions?.code).toBe("INVALID_IMAGE");
    expect(await api.storedFiles()).toHaveLength(5);
  });

  it("reports a tagger failure with its code and keeps nothing", async () => {
    const query = await solidPng(3, 3, 3);
    await llm.script(sha256(query), [{ kind: "raw", content: "I think this is a cup" }]);
    const { errors } = await findSimilar({ variable: "variables.image", bytes: query, filename: "q.png" });
    expect(errors?.[0]?.extensions?.code).toBe("TAGGER_INVALID_RESPONSE");
    expect(await api.storedFiles()).toHaveLength(5);
  });
});
