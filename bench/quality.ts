/**
 * `npm run bench:quality`: does "show me products that look like this photo"
 * find the right ones? The app runs as `npm start` runs it (a child process,
 * embedded PostgreSQL, the default local tagger and embedder); a catalogue of
 * real, labelled photos (bench/quality/, licences in LICENCES.md) is added
 * through HTTP, then queried through HTTP with each ranking signal (TAGS,
 * VISUAL, HYBRID) in the same run, on the same catalogue:
 *
 * - same file: the catalogue photo's own bytes find its product first;
 * - variant: a resized, 80%-cropped, re-encoded or brightened copy finds it first;
 * - second photo: another real photo of the same object (not in the catalogue) finds the object's product first;
 * - group neighbour: similarProducts(product) puts a product of the same group (cat, car, fruit…) first.
 *
 * Photos are split into "tune" and "report" (labels.json, per object): the
 * constants were tuned on tune; the figures to quote are report's
 * (BENCH_QUALITY_SPLIT, default report). Every photo is in the catalogue
 * either way, as a distractor for the other split.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp, { type Sharp } from "sharp";
import { GraphQLClient } from "../test/support/graphql-client.js";
import { waitForAnalysis } from "../test/support/products.js";
import { startBenchApp } from "./bench-app.js";
import { runPool } from "./run-pool.js";

interface Label {
  group: string;
  object: string | null;
  split: "tune" | "report";
  source: string;
  licence: string;
}
type Signal = "TAGS" | "VISUAL" | "HYBRID";
interface Match {
  duplicate: string | null;
  visualScore: number | null;
  tagScore: number | null;
  product: { id: string; sourceUrl: string };
}

const SIGNALS: Signal[] = ["TAGS", "VISUAL", "HYBRID"];
const SPLIT = process.env.BENCH_QUALITY_SPLIT ?? "report";
const IN_FLIGHT = Number(process.env.BENCH_QUALITY_CONCURRENCY ?? 2);
const FOLDER = "bench/quality";
const ADD_PRODUCT = `mutation ($sourceUrl: String!, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, image: $image) { id } }`;
const MATCH = `duplicate visualScore tagScore product { id sourceUrl }`;
const FIND_SIMILAR = `mutation ($image: Upload!, $by: RankingSignal) { findSimilarProducts(image: $image, limit: 20, by: $by) { matches { ${MATCH} } } }`;
const SIMILAR = `query ($id: ID!, $by: RankingSignal) { similarProducts(productId: $id, limit: 20, by: $by) { ${MATCH} } }`;
/**
 * BENCH_QUALITY_SWEEP=1 also reports HYBRID's top-1 for other visual weights,
 * re-ranking the HYBRID candidates returned (top 20) by their visualScore and
 * tagScore: how VISUAL_WEIGHT was chosen, on the tuning split.
 */
const SWEEP = process.env.BENCH_QUALITY_SWEEP === "1" ? [0.4, 0.5, 0.6, 0.7, 0.8, 0.9] : [];

/** The generated copies of a catalogue photo that must find it first. */
const VARIANTS: Record<string, (image: Sharp, width: number, height: number) => Sharp> = {
  "resized to 50%": (image, width) => image.resize(Math.max(32, Math.round(width / 2))).png(),
  "cropped to 80%": (image, width, height) =>
    image.extract({ left: Math.round(width * 0.1), top: Math.round(height * 0.1), width: Math.round(width * 0.8), height: Math.round(height * 0.8) }).png(),
  "re-encoded (JPEG q50)": (image) => image.jpeg({ quality: 50 }),
  "brightened 25%": (image) => image.modulate({ brightness: 1.25 }).png(),
};

const { photos: labels } = JSON.parse(await readFile(`${FOLDER}/labels.json`, "utf8")) as { photos: Record<string, Label> };
const names = Object.keys(labels).sort();
// Per object, the first photo (by name) is in the catalogue; the others are its second photos.
const firstOfObject = new Map<string, string>();
for (const name of names) {
  const object = labels[name]!.object;
  if (object && !firstOfObject.has(object)) firstOfObject.set(object, name);
}
const catalogue = names.filter((name) => !labels[name]!.object || firstOfObject.get(labels[name]!.object!) === name);
const secondPhotos = names.filter((name) => !catalogue.includes(name));
const inSplit = (name: string) => SPLIT === "all" || labels[name]!.split === SPLIT;

const app = await startBenchApp("quality", { LOCAL_TAGGER_WORKERS: process.env.LOCAL_TAGGER_WORKERS ?? "2" });
const client = new GraphQLClient(`${app.url}/graphql`);
const bytesOf = (name: string) => readFile(path.join(FOLDER, "photos", name));

try {
  const started = performance.now();
  const productOf = new Map<string, string>();
  await runPool(catalogue, IN_FLIGHT * 2, async (name) => {
    const response = await client.upload(ADD_PRODUCT, { sourceUrl: `https://shop.example/${name}`, image: null }, [
      { variable: "variables.image", bytes: await bytesOf(name), filename: name },
    ]);
    if (response.errors) throw new Error(`${name}: ${JSON.stringify(response.errors)}`);
    productOf.set(name, response.data!.addProduct.id);
  });
  for (const [name, id] of productOf) {
    const analysed = await waitForAnalysis(client, id, 600_000);
    if (analysed.analysis.status !== "READY") throw new Error(`${name}: analysis ${analysed.analysis.status}`);
  }
  const nameOf = new Map([...productOf].map(([name, id]) => [id, name]));
  console.log(`catalogue of ${catalogue.length} photos analysed in ${((performance.now() - started) / 1000).toFixed(0)} s; split ${SPLIT}`);

  const tally = new Map<string, { hits: number; total: number }>();
  const falseDuplicates = new Map<Signal, number>(SIGNALS.map((signal) => [signal, 0]));
  const count = (metric: string, signal: Signal, hit: boolean) => {
    const key = `${metric}|${signal}`;
    const entry = tally.get(key) ?? { hits: 0, total: 0 };
    entry.total++;
    if (hit) entry.hits++;
    tally.set(key, entry);
  };
  const findSimilar = async (bytes: Buffer, by: Signal): Promise<Match[]> => {
    const response = await client.upload(FIND_SIMILAR, { image: null, by }, [{ variable: "variables.image", bytes, filename: "query" }]);
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    return response.data!.findSimilarProducts.matches;
  };
  const sweep = (metric: string, signal: Signal, matches: Match[], isRight: (match: Match | undefined) => boolean) => {
    if (signal !== "HYBRID") return;
    for (const weight of SWEEP) {
      const score = (match: Match) => (match.duplicate ? 10 : 0) + weight * (match.visualScore ?? 0) + (1 - weight) * (match.tagScore ?? 0);
      const best = [...matches].sort((a, b) => score(b) - score(a))[0];
      count(`${metric} @ visual weight ${weight}`, "HYBRID", isRight(best));
    }
  };
  const judge = (metric: string, signal: Signal, matches: Match[], expectedId: string) => {
    count(metric, signal, matches[0]?.product.id === expectedId);
    sweep(metric, signal, matches, (match) => match?.product.id === expectedId);
    falseDuplicates.set(signal, falseDuplicates.get(signal)! + matches.filter((match) => match.duplicate && match.product.id !== expectedId).length);
  };

  const queries: Array<() => Promise<void>> = [];
  for (const name of catalogue.filter(inSplit)) {
    const id = productOf.get(name)!;
    queries.push(async () => {
      const bytes = await bytesOf(name);
      for (const signal of SIGNALS) judge("same file -> itself top-1", signal, await findSimilar(bytes, signal), id);
    });
    queries.push(async () => {
      const { width = 1, height = 1 } = await sharp(await bytesOf(name)).metadata();
      for (const [variant, edit] of Object.entries(VARIANTS)) {
        const copy = await edit(sharp(await bytesOf(name)), width, height).toBuffer();
        for (const signal of SIGNALS) {
          const matches = await findSimilar(copy, signal);
          judge("variant -> original top-1", signal, matches, id);
          count(`  ${variant}`, signal, matches[0]?.product.id === id);
        }
      }
    });
    const group = labels[name]!.group;
    if (catalogue.some((other) => other !== name && labels[other]!.group === group)) {
      queries.push(async () => {
        for (const signal of SIGNALS) {
          const response = await client.query<{ similarProducts: Match[] }>(SIMILAR, { id, by: signal });
          if (response.errors) throw new Error(JSON.stringify(response.errors));
          const sameGroup = (match: Match | undefined) => match !== undefined && labels[nameOf.get(match.product.id)!]!.group === group;
          count("same-group nearest neighbour", signal, sameGroup(response.data!.similarProducts[0]));
          sweep("same-group nearest neighbour", signal, response.data!.similarProducts, sameGroup);
        }
      });
    }
  }
  for (const name of secondPhotos.filter(inSplit)) {
    const expected = productOf.get(firstOfObject.get(labels[name]!.object!)!)!;
    queries.push(async () => {
      const bytes = await bytesOf(name);
      for (const signal of SIGNALS) {
        const matches = await findSimilar(bytes, signal);
        count("second photo -> same object top-1", signal, matches[0]?.product.id === expected);
        sweep("second photo -> same object top-1", signal, matches, (match) => match?.product.id === expected);
      }
    });
  }
  await runPool(queries, IN_FLIGHT, (query) => query());

  const targets: Record<string, string> = {
    "same file -> itself top-1": "1.00",
    "variant -> original top-1": ">= 0.99",
    "same-group nearest neighbour": ">= 0.75",
    "second photo -> same object top-1": ">= 0.70",
  };
  const metrics = [...new Set([...tally.keys()].map((key) => key.split("|")[0]!))];
  const order = (metric: string) => Object.keys(targets).findIndex((target) => metric === target);
  console.log(`\n| metric (${SPLIT} split) | ${SIGNALS.join(" | ")} | HYBRID target |`);
  console.log(`|---|${SIGNALS.map(() => "---").join("|")}|---|`);
  for (const metric of metrics.sort((a, b) => metricRank(a) - metricRank(b))) {
    const cells = SIGNALS.map((signal) => {
      const { hits, total } = tally.get(`${metric}|${signal}`) ?? { hits: 0, total: 0 };
      return total ? `${(hits / total).toFixed(3)} (${hits}/${total})` : "-";
    });
    console.log(`| ${metric} | ${cells.join(" | ")} | ${targets[metric] ?? ""} |`);
  }
  console.log(`| other products flagged as duplicates | ${SIGNALS.map((signal) => String(falseDuplicates.get(signal))).join(" | ")} | 0 |`);
  console.log(JSON.stringify({ split: SPLIT, catalogue: catalogue.length, secondPhotos: secondPhotos.length, tally: Object.fromEntries(tally) }));

  function metricRank(metric: string): number {
    if (metric.startsWith("  ")) return order("variant -> original top-1") + 0.5;
    const swept = / @ visual weight ([0-9.]+)$/.exec(metric);
    if (swept) return 10 + order(metric.slice(0, swept.index)) + Number(swept[1]) / 10;
    return order(metric);
  }
} finally {
  await app.stop();
}

