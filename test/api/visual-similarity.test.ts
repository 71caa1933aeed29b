import { setTimeout as sleep } from "node:timers/promises";
import sharp, { type Sharp } from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VISUAL_WEIGHT } from "../../src/search/hybrid-ranking.js";
import { fixtureUpload, type UploadPart } from "../support/graphql-client.js";
import { addProductAndWait } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * Visual search end to end, with the default local tagger and embedder (real
 * models on real photos) behind real HTTP and a real PostgreSQL.
 */

const FIND_SIMILAR = /* GraphQL */ `
  mutation ($image: Upload!, $by: RankingSignal) {
    findSimilarProducts(image: $image, limit: 5, by: $by) {
      queryTags
      matches { score visualScore tagScore duplicate matchedTags contributions { tag share } product { id sourceUrl tags } }
    }
  }`;

const VISUAL_INDEX = /* GraphQL */ `{ visualIndex { model dimension photos embeddedPhotos lists trainedOn } }`;

interface Match {
  score: number;
  visualScore: number | null;
  tagScore: number | null;
  duplicate: "EXACT" | "NEAR" | null;
  matchedTags: string[];
  contributions: Array<{ tag: string; share: number }>;
  product: { id: string; sourceUrl: string; tags: string[] };
}

let api: TestApp;
const ids: Record<string, string> = {};

async function findSimilar(bytes: Uint8Array, by?: string): Promise<Match[]> {
  const image: UploadPart = { variable: "variables.image", bytes, filename: "query" };
  const { data, errors } = await api.client.upload(FIND_SIMILAR, { image: null, by }, [image]);
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  return data!.findSimilarProducts.matches;
}

/** coffee.png beside fruits.jpg: a newer photo that carries the cup's tags and more. */
async function coffeeAndFruits(): Promise<Buffer> {
  const fruits = await sharp("test/fixtures/fruits.jpg").resize(400, 400, { fit: "fill" }).toBuffer();
  const coffee = await sharp("test/fixtures/coffee.png").resize(400, 400, { fit: "fill" }).removeAlpha().toBuffer();
  return sharp({ create: { width: 800, height: 400, channels: 3, background: "#ffffff" } })
    .composite([{ input: coffee, left: 0, top: 0 }, { input: fruits, left: 400, top: 0 }])
    .png()
    .toBuffer();
}

beforeAll(async () => {
  // A short maintenance interval, so the backfill test need not wait long.
  api = await startTestApp({ LOCAL_TAGGER_WORKERS: "1", JOB_MAINTENANCE_SECONDS: "1" });
  for (const name of ["coffee.png", "chelsea.png", "fruits.jpg", "astronaut.png", "smarties.png"]) {
    ids[name] = (await addProductAndWait(api.client, `https://shop.example/${name}`, await fixtureUpload(name))).id;
  }
  // Added last, so it is the newest: a plain tag ranking's ties would go to it.
  const superset = await addProductAndWait(api.client, "https://shop.example/coffee-and-fruits", {
    variable: "variables.image",
    bytes: await coffeeAndFruits(),
    filename: "coffee-and-fruits.png",
  });
  expect(superset.analysis.status).toBe("READY");
  ids.superset = superset.id;
}, 240_000);

afterAll(async () => {
  await api?.stop();
});

describe("visual search", () => {
  it("stores a unit-length vector of the embedding model for every analysed photo", async () => {
    const rows = await api.sql<{ model: string; dimension: number; norm: number }>(
      `select model, dimension, sqrt((select sum(power(x, 2)) from unnest(array(select cube_ll_coord(c, i) from unnest(parts) as c, generate_series(1, cube_dim(c)) as i)) as x)) as norm
       from photo_embedding`,
    );
    const { data } = await api.client.query(VISUAL_INDEX);
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(row).toMatchObject({ model: data!.visualIndex.model, dimension: data!.visualIndex.dimension });
      expect(row.norm).toBeCloseTo(1, 5);
    }
    expect(data!.visualIndex).toMatchObject({ photos: 6, embeddedPhotos: 6, lists: 0 });
  });

  it("ranks the same file's product first, as an exact duplicate, even when a newer product carries more tags", async () => {
    const superset = (await api.sql<{ tags: string[] }>("select tags from product where id = $1", [ids.superset]))[0]!.tags;
    const coffee = (await api.sql<{ tags: string[] }>("select tags from product where id = $1", [ids["coffee.png"]]))[0]!.tags;
    // The premise: the newer product carries what the coffee photo's product carries, and more.
    expect(superset.filter((tag) => coffee.includes(tag)).length).toBeGreaterThan(0);
    expect(superset.length).toBeGreaterThan(coffee.length);

    const matches = await findSimilar((await fixtureUpload("coffee.png")).bytes);
    expect(matches[0]).toMatchObject({ duplicate: "EXACT", product: { id: ids["coffee.png"] } });
    expect(matches[0]!.visualScore).toBeGreaterThan(0.99);
    expect(matches.slice(1).every((match) => match.duplicate === null)).toBe(true);
  });

  it.each([
    ["resized and re-encoded as JPEG", "chelsea.png", (image: Sharp) => image.resize(300).jpeg({ quality: 70 })],
    ["cropped to 80%", "fruits.jpg", (image: Sharp, width: number, height: number) =>
      image.extract({ left: Math.round(width * 0.1), top: Math.round(height * 0.1), width: Math.round(width * 0.8), height: Math.round(height * 0.8) })],
    ["brightened", "astronaut.png", (image: Sharp) => image.modulate({ brightness: 1.25 }).webp()],
  ])("finds the original first from a copy %s, as a near duplicate", async (_how, name, edit) => {
    const { width, height } = await sharp(`test/fixtures/${name}`).metadata();
    const copy = await edit(sharp(`test/fixtures/${name}`), width!, height!).toBuffer();
    const matches = await findSimilar(copy);
    expect(matches[0]).toMatchObject({ duplicate: "NEAR", product: { id: ids[name] } });
    expect(matches[0]!.score).toBeGreaterThanOrEqual(matches[1]!.score);
  });

  it("explains both parts of every hybrid match", async () => {
    const copy = await sharp("test/fixtures/coffee.png").resize(256).jpeg({ quality: 60 }).toBuffer();
    const matches = await findSimilar(copy, "HYBRID");
    expect(matches.length).toBeGreaterThan(1);
    for (const match of matches) {
      expect(match.visualScore).toBeGreaterThanOrEqual(0);
      expect(match.tagScore).toBeGreaterThanOrEqual(0);
      expect(match.score).toBeCloseTo(VISUAL_WEIGHT * match.visualScore! + (1 - VISUAL_WEIGHT) * match.tagScore!, 9);
      const shares = match.contributions.reduce((sum, item) => sum + item.share, 0);
      expect(shares).toBeCloseTo(match.tagScore!, 6);
    }
    const nonDuplicates = matches.filter((match) => match.duplicate === null).map((match) => match.score);
    expect(nonDuplicates).toEqual([...nonDuplicates].sort((a, b) => b - a));
  });

  it("ranks by the photo's look alone with by: VISUAL", async () => {
    const copy = await sharp("test/fixtures/chelsea.png").resize(200).toBuffer();
    const matches = await findSimilar(copy, "VISUAL");
    expect(matches[0]!.product.id).toBe(ids["chelsea.png"]);
    for (const match of matches) expect(match.score).toBeCloseTo(match.visualScore!, 9);
  });

  it("keeps today's explained tag ranking with by: TAGS", async () => {
    const matches = await findSimilar((await fixtureUpload("coffee.png")).bytes, "TAGS");
    expect(matches.length).toBeGreaterThan(0);
    for (const match of matches) {
      expect(match).toMatchObject({ visualScore: null, duplicate: null });
      expect(match.tagScore).toBe(match.score);
      expect(match.contributions.reduce((sum, item) => sum + item.share, 0)).toBeCloseTo(match.score, 6);
    }
    const scores = matches.map((match) => match.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("finds similar products of a stored one by its vector, without listing it", async () => {
    const { data, errors } = await api.client.query(
      `query ($id: ID!) { similarProducts(productId: $id, limit: 3) { visualScore tagScore duplicate product { id } } }`,
      { id: ids["coffee.png"] },
    );
    expect(errors).toBeUndefined();
    const matches = data!.similarProducts as Array<{ visualScore: number; product: { id: string } }>;
    expect(matches.map((match) => match.product.id)).not.toContain(ids["coffee.png"]);
    // The newer photo holding the same cup looks most like it.
    expect(matches[0]!.product.id).toBe(ids.superset);
    expect(matches[0]!.visualScore).toBeGreaterThan(0);
  });

  it("backfills the vectors of photos stored before embeddings existed, or by another model", async () => {
    await api.sql("delete from photo_embedding where product_id = $1", [ids["chelsea.png"]]);
    await api.sql("update photo_embedding set model = 'an-older-model' where product_id = $1", [ids["fruits.jpg"]]);
    const before = (await api.client.query(VISUAL_INDEX)).data!.visualIndex;
    expect(before.embeddedPhotos).toBe(4);

    const deadline = Date.now() + 30_000;
    let index = before;
    while (index.embeddedPhotos < index.photos && Date.now() < deadline) {
      await sleep(250);
      index = (await api.client.query(VISUAL_INDEX)).data!.visualIndex;
    }
    expect(index).toMatchObject({ photos: 6, embeddedPhotos: 6 });
    const copy = await sharp("test/fixtures/chelsea.png").resize(320).jpeg({ quality: 75 }).toBuffer();
    expect((await findSimilar(copy, "VISUAL"))[0]!.product.id).toBe(ids["chelsea.png"]);
  });
});
