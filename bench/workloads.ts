import type { ImageFeatures } from "../src/analysis/features.js";
import { flattenTags, tagEvidence, type TagEvidence } from "../src/analysis/tags.js";
import type { QueryKind } from "./query-sets.js";
import { ZipfPicker, type SeededRandom } from "./random.js";
import { POPULAR_PICKERS, RARE_PICKERS, syntheticFeatures, syntheticVocabulary, TAGGER_CONFIDENCE } from "./synthetic-features.js";

/** What the catalogue and the queries are made of. */
export interface Workload {
  name: WorkloadName;
  /** One line for the report. */
  description: string;
  /** Every tag a product or query can carry, each once. */
  vocabulary(): string[];
  productTags(random: SeededRandom): TagEvidence[];
  /**
   * What the tagger said about a product photo, when the workload is
   * tagger-shaped: productTags is then tagEvidence of it (the same draws).
   * The visual seeding reads a product's kind (its first object) from it.
   */
  productFeatures?(random: SeededRandom): ImageFeatures;
  /** A query photo's tags (all sure). */
  queryTags(random: SeededRandom, kind: QueryKind): string[];
}

export const WORKLOAD_NAMES = ["issue", "catalogue"] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/** Tags of a query photo: most photos get 4 to 8 (issue 10). */
export const MIN_QUERY_TAGS = 4;
export const MAX_QUERY_TAGS = 8;

/** Tagger-shaped products: objects with colours, materials, patterns, text and styles, with confidences. */
const catalogue: Workload = {
  name: "catalogue",
  description: "tagger-shaped products (objects, colours, materials, patterns, text, styles; confidences 0.3-1), queries of 4-8 tags",
  vocabulary: syntheticVocabulary,
  productTags: (random) => tagEvidence(catalogueFeatures(random)),
  productFeatures: (random) => catalogueFeatures(random),
  queryTags: (random, kind) => {
    for (;;) {
      const tags = flattenTags(syntheticFeatures(random, kind === "popular" ? POPULAR_PICKERS : RARE_PICKERS));
      if (tags.length < MIN_QUERY_TAGS) continue;
      return tags.length <= MAX_QUERY_TAGS ? tags : random.sample(tags, random.int(MIN_QUERY_TAGS, MAX_QUERY_TAGS)).sort();
    }
  },
};

function catalogueFeatures(random: SeededRandom): ImageFeatures {
  return syntheticFeatures(random, POPULAR_PICKERS, TAGGER_CONFIDENCE);
}

const ISSUE_VOCABULARY = Array.from({ length: 2_000 }, (_, rank) => `object:tag${String(rank + 1).padStart(4, "0")}`);
const ISSUE_ZIPF = new ZipfPicker(ISSUE_VOCABULARY);
const ISSUE_TAIL = ISSUE_VOCABULARY.slice(ISSUE_VOCABULARY.length / 2);

/**
 * The shape the issue measured its table on: 8 tags per product from a
 * Zipf-distributed vocabulary of 2,000 (one namespace, all sure), and 6-tag
 * queries. Popular queries draw like the catalogue; rare ones take 4 tags
 * from the less common half of the vocabulary and 2 drawn like the catalogue
 * ("mostly uncommon").
 */
const issue: Workload = {
  name: "issue",
  description: "the issue's shape: 8 tags per product from a Zipf vocabulary of 2,000 (all sure), 6-tag queries",
  vocabulary: () => [...ISSUE_VOCABULARY],
  productTags: (random) => distinct(8, () => ISSUE_ZIPF.pick(random)).map((tag) => ({ tag, confidence: 1 })),
  queryTags: (random, kind) => {
    if (kind === "popular") return distinct(6, () => ISSUE_ZIPF.pick(random)).sort();
    const rare = distinct(4, () => random.pick(ISSUE_TAIL));
    return distinct(6, () => ISSUE_ZIPF.pick(random), rare).sort();
  },
};

export const WORKLOADS: Record<WorkloadName, Workload> = { catalogue, issue };

/** `count` different tags from `draw`, after the ones given. */
function distinct(count: number, draw: () => string, start: readonly string[] = []): string[] {
  const tags = new Set(start);
  while (tags.size < count) tags.add(draw());
  return [...tags];
}
