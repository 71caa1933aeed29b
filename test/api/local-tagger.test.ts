import sharp, { type Sharp } from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureUpload } from "../support/graphql-client.js";
import { addProductAndWait } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** The default, offline tagger end to end: real models on real photos, through the HTTP API. */

const FIND_SIMILAR = /* GraphQL */ `
  mutation ($image: Upload!) { findSimilarProducts(image: $image, limit: 3) { queryTags matches { score product { sourceUrl } } } }`;

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp({ LOCAL_TAGGER_WORKERS: "1" }); // no TAGGER and no key: the local panel
  for (const name of ["coffee.png", "chelsea.png", "fruits.jpg", "scenetext01.jpg"]) {
    await addProductAndWait(api.client, `https://shop.example/${name}`, await fixtureUpload(name));
  }
}, 180_000);

afterAll(async () => {
  await api?.stop();
});

describe("the local tagger behind the API", () => {
  it("tags photos with what they show", async () => {
    const { data } = await api.client.query(`{ products(first: 10) { edges { node { sourceUrl tags } } } }`);
    const tagsOf = (name: string) => data!.products.edges.find((edge: { node: { sourceUrl: string } }) => edge.node.sourceUrl.endsWith(name)).node.tags;
    expect(tagsOf("coffee.png")).toContain("object:cup");
    expect(tagsOf("chelsea.png")).toContain("object:cat");
    expect(tagsOf("fruits.jpg")).toEqual(expect.arrayContaining(["object:orange", "object:apple"]));
    expect(tagsOf("scenetext01.jpg")).toEqual(expect.arrayContaining(["text:parking", "text:prohibited"]));
  });

  it.each([
    ["chelsea.png", (image: Sharp) => image.extract({ left: 10, top: 5, width: 430, height: 290 }).jpeg({ quality: 80 })],
    ["coffee.png", (image: Sharp) => image.resize(320).webp()],
  ])("finds %s first from a related photo (cropped or re-encoded)", async (name, edit) => {
    const related = await edit(sharp(`test/fixtures/${name}`)).toBuffer();
    const { data, errors } = await api.client.upload(FIND_SIMILAR, { image: null }, [{ variable: "variables.image", bytes: related, filename: "query" }]);
    expect(errors).toBeUndefined();
    expect(data!.findSimilarProducts.matches[0].product.sourceUrl).toBe(`https://shop.example/${name}`);
  });

  it("reports the tagger ready on /health", async () => {
    const health = (await (await fetch(`${api.app.url}/health`)).json()) as { tagger: unknown };
    expect(health.tagger).toMatchObject({ name: "local", ready: true });
  });
});
