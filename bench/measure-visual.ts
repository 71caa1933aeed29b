import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { TagEvidence } from "../src/analysis/tags.js";
import { candidateDepth, type DuplicateKind, type RankingSignal } from "../src/search/hybrid-ranking.js";
import { ProductRepository } from "../src/catalog/product-repository.js";
import { SimilarityRepository, type ScoredProduct, type SimilarityFilters } from "../src/search/similarity-repository.js";
import { RankingGate } from "../src/search/ranking-gate.js";
import { SimilarityService, type SimilarityRequest } from "../src/search/similarity-service.js";
import { TextSearchRepository } from "../src/search/text-search.js";
import { VisualListCache } from "../src/search/visual-list-cache.js";
import { VisualRepository, type VisualMatch } from "../src/search/visual-repository.js";
import { loadConfig } from "../src/config.js";
import { summarizeLatency, timed, type LatencySummary } from "./latency.js";
import { BENCH_EMBEDDING_MODEL, type VisualQuery, type VisualQueryKind } from "./visual-catalogue.js";
import { ExactVisualRepository, exactNearest } from "./visual-statements.js";

/** What is timed, per query. */
const MEASURED = ["ivf", "exact", "hybrid", "hybridExact", "similarProducts"] as const;
type Measured = (typeof MEASURED)[number];

export interface ProbeSweepPoint {
  probes: number;
  latency: LatencySummary;
  /** Mean over the queries of |IVF top 10 ∩ exact top 10| / 10. */
  recallAt10: number;
}

export interface VisualKindResult {
  kind: VisualQueryKind;
  queries: number;
  probes: number;
  /** How many visual candidates the hybrid asks for (candidateDepth of the top k). */
  depth: number;
  /** VisualRepository.nearestProducts: the `probes` nearest lists, exact distances within them. */
  ivf: LatencySummary;
  /** The brute-force scan over every vector (visual-statements.ts). */
  exact: LatencySummary;
  /** SimilarityService's ranking step (rankByPhoto), HYBRID, visual candidates from the lists. */
  hybrid: LatencySummary;
  /** The same step with its visual candidates from the brute-force scan. */
  hybridExact: LatencySummary;
  /** SimilarityService.similarProducts(productId), HYBRID, for the product a "same product" query is another photo of: the public path from a stored product (its vector, near duplicates by pHash, then the same step). */
  similarProducts: LatencySummary | null;
  /** Baseline over ours, medians and p95s, over the same queries in this run. */
  ratio: { ivf: { median: number; p95: number }; hybrid: { median: number; p95: number } };
  /** Mean, and the worst query's, |IVF top 10 ∩ exact top 10| / 10. */
  recallAt10: number;
  recallAt10Min: number;
  /** Mean share of the exact top 10 among the IVF's `depth` candidates (what the hybrid can still rank). */
  candidateRecall: number;
  /** Mean |hybrid top 10 ∩ exact-candidates hybrid top 10| / 10. */
  hybridAgreement: number;
  /** "same product" queries: how often the product the photo is of comes first, by the exact visual scan and by the hybrid. */
  ownProductFirst: { visual: number; hybrid: number } | null;
  sweep: ProbeSweepPoint[];
  /** Queries on which nearestProducts with every list probed was checked against the brute force. */
  exactnessChecked: number;
  mismatches: string[];
  /** Per query, in order: the hybrid step's milliseconds and the IVF's recall@10 (for figures over every kind). */
  perQuery: { hybridMs: number[]; recallAt10: number[] };
}

/** Queries of each kind run untimed first, so caches and plans are warm. */
const WARM_UP_QUERIES = 3;
/** Queries of each kind on which nearestProducts probing every list must equal the brute-force scan. */
const EXACTNESS_CHECKS = 3;
/** Two similarities this close count as equal (the same float8 terms, summed in another plan). */
const SIMILARITY_TOLERANCE = 1e-9;

const HYBRID_REQUEST: SimilarityRequest & { by: RankingSignal } = { by: "HYBRID", limit: 10, minScore: 0, objectType: null, color: null, createdAfter: null, attributes: null };
const NO_FILTERS: SimilarityFilters = { requiredTags: [], createdAfter: null, attributes: {} };

/**
 * The visual candidates (IVF) against the brute-force scan, and the hybrid
 * ranking step with IVF candidates against the same step with exact ones, on
 * every query of one kind. The order of the contenders rotates from query to
 * query. Then, untimed by the rest, the recall and time of other probe counts.
 */
export async function measureVisualKind(
  orm: MikroORM,
  kind: VisualQueryKind,
  queries: readonly VisualQuery[],
  options: { probes: number; probeSweep: readonly number[]; lists: number; limit: number },
  progress: (message: string) => void,
): Promise<VisualKindResult> {
  const depth = candidateDepth(options.limit);
  const run = contenders(orm, options.probes, depth);
  for (const query of queries.slice(0, WARM_UP_QUERIES)) for (const measured of MEASURED) await run[measured](query);

  const samples: Record<Measured, number[]> = { ivf: [], exact: [], hybrid: [], hybridExact: [], similarProducts: [] };
  const recalls: number[] = [];
  const candidateRecalls: number[] = [];
  const agreements: number[] = [];
  const ownFirst = { visual: 0, hybrid: 0, asked: 0 };
  const mismatches: string[] = [];
  const exactTop = new Map<VisualQuery, string[]>();
  for (const [index, query] of queries.entries()) {
    const found = {} as Record<Measured, string[] | null>;
    for (const measured of rotate(MEASURED, index)) {
      const { result, ms } = await timed(() => run[measured](query));
      if (result !== null) samples[measured].push(ms);
      found[measured] = result;
    }
    const exact = found.exact!.slice(0, options.limit);
    exactTop.set(query, exact);
    recalls.push(overlap(found.ivf!.slice(0, options.limit), exact));
    candidateRecalls.push(overlap(found.ivf!, exact));
    agreements.push(overlap(found.hybrid!, found.hybridExact!));
    if (query.productId) {
      ownFirst.asked++;
      if (exact[0] === query.productId) ownFirst.visual++;
      if (found.hybrid![0] === query.productId) ownFirst.hybrid++;
    }
    if (index < EXACTNESS_CHECKS) {
      const problem = await checkExactness(orm, query, options.lists, depth);
      if (problem) mismatches.push(`${kind} query ${index}: ${problem}`);
    }
    if ((index + 1) % 25 === 0) progress(`visual ${kind}: ${index + 1}/${queries.length} queries`);
  }

  const sweep: ProbeSweepPoint[] = [];
  for (const probes of options.probeSweep) {
    const times: number[] = [];
    const sweepRecalls: number[] = [];
    for (const query of queries) {
      const { result, ms } = await timed(() => new VisualRepository(orm.em.fork(), BENCH_EMBEDDING_MODEL, probes, VISUAL_LISTS).nearestProducts(query.vector, depth, NO_VISUAL_FILTERS));
      times.push(ms);
      sweepRecalls.push(overlap(ids(result).slice(0, options.limit), exactTop.get(query)!));
    }
    sweep.push({ probes, latency: summarizeLatency(times), recallAt10: mean(sweepRecalls) });
  }

  const summary = Object.fromEntries(MEASURED.map((measured) => [measured, summarizeLatency(samples[measured])])) as Record<Measured, LatencySummary>;
  return {
    kind,
    queries: queries.length,
    probes: options.probes,
    depth,
    ivf: summary.ivf,
    exact: summary.exact,
    hybrid: summary.hybrid,
    hybridExact: summary.hybridExact,
    similarProducts: samples.similarProducts.length > 0 ? summary.similarProducts : null,
    ratio: {
      ivf: { median: summary.exact.medianMs / summary.ivf.medianMs, p95: summary.exact.p95Ms / summary.ivf.p95Ms },
      hybrid: { median: summary.hybridExact.medianMs / summary.hybrid.medianMs, p95: summary.hybridExact.p95Ms / summary.hybrid.p95Ms },
    },
    recallAt10: mean(recalls),
    recallAt10Min: Math.min(...recalls),
    candidateRecall: mean(candidateRecalls),
    hybridAgreement: mean(agreements),
    ownProductFirst: ownFirst.asked > 0 ? { visual: ownFirst.visual / ownFirst.asked, hybrid: ownFirst.hybrid / ownFirst.asked } : null,
    sweep,
    exactnessChecked: Math.min(EXACTNESS_CHECKS, queries.length),
    mismatches,
    perQuery: { hybridMs: samples.hybrid, recallAt10: recalls },
  };
}

/** The centroids, held in memory once for every search, as the app holds them (one per process). */
const VISUAL_LISTS = new VisualListCache();

const NO_VISUAL_FILTERS = { requiredTagIds: [], createdAfter: null, attributes: {}, excludeProductId: null };

/**
 * The timed calls, each through a fresh forked EntityManager as a request
 * would make them; each returns the product ids it ranked (null when the
 * call does not apply to the query).
 */
function contenders(orm: MikroORM, probes: number, depth: number): Record<Measured, (query: VisualQuery) => Promise<string[] | null>> {
  const hybrid = async (query: VisualQuery, visual: (em: EntityManager) => VisualRepository) => {
    const em = orm.em.fork();
    const matches = await rankByPhoto(service(em, visual(em)))(
      { evidence: query.evidence, vector: query.vector, duplicates: new Map<string, DuplicateKind>(), excludeProductId: null },
      HYBRID_REQUEST,
      NO_FILTERS,
    );
    return matches.map((match) => match.product.id);
  };
  return {
    ivf: async (query) => ids(await new VisualRepository(orm.em.fork(), BENCH_EMBEDDING_MODEL, probes, VISUAL_LISTS).nearestProducts(query.vector, depth, NO_VISUAL_FILTERS)),
    exact: async (query) => ids(await exactNearest(orm.em.fork(), BENCH_EMBEDDING_MODEL, query.vector, depth)),
    hybrid: (query) => hybrid(query, (em) => new VisualRepository(em, BENCH_EMBEDDING_MODEL, probes, VISUAL_LISTS)),
    hybridExact: (query) => hybrid(query, (em) => new ExactVisualRepository(em, BENCH_EMBEDDING_MODEL)),
    similarProducts: async (query) => {
      if (!query.productId) return null;
      const em = orm.em.fork();
      const matches = await service(em, new VisualRepository(em, BENCH_EMBEDDING_MODEL, probes, VISUAL_LISTS)).similarProducts(query.productId, HYBRID_REQUEST);
      return matches.map((match) => match.product.id);
    },
  };
}

/** nearestProducts probing every list must return the brute-force scan's products, with the same similarities. */
async function checkExactness(orm: MikroORM, query: VisualQuery, lists: number, depth: number): Promise<string | null> {
  const everyList = await new VisualRepository(orm.em.fork(), BENCH_EMBEDDING_MODEL, Math.max(lists, 1), VISUAL_LISTS).nearestProducts(query.vector, depth, NO_VISUAL_FILTERS);
  const exact = await exactNearest(orm.em.fork(), BENCH_EMBEDDING_MODEL, query.vector, depth);
  const same = everyList.length === exact.length && everyList.every((match, index) => sameMatch(match, exact[index]!));
  return same ? null : `nearestProducts probing all ${lists} lists differs from the brute-force scan: ${JSON.stringify({ everyList: everyList.slice(0, 3), exact: exact.slice(0, 3) })}`;
}

function sameMatch(left: VisualMatch, right: VisualMatch): boolean {
  return left.productId === right.productId && Math.abs(left.similarity - right.similarity) <= SIMILARITY_TOLERANCE;
}

type RankByPhoto = (
  probe: { evidence: readonly TagEvidence[]; vector: number[] | null; duplicates: Map<string, DuplicateKind>; excludeProductId: string | null },
  request: SimilarityRequest & { by: RankingSignal },
  filters: SimilarityFilters,
) => Promise<ScoredProduct[]>;

/**
 * SimilarityService's ranking step for a photo (tags and vector already
 * computed): the method findSimilarProducts calls once the photo is
 * analysed. It is private, so the benchmark reaches it by name; the real
 * code is timed, not a copy of it.
 */
function rankByPhoto(similarity: SimilarityService): RankByPhoto {
  const method = (similarity as unknown as { rankByPhoto?: RankByPhoto }).rankByPhoto;
  if (typeof method !== "function") throw new Error("SimilarityService has no rankByPhoto any more: bench/measure-visual.ts must call the ranking step by its new name");
  return method.bind(similarity);
}

const NEAR_DUPLICATE_MAX_DISTANCE = loadConfig({}).media.nearDuplicateMaxDistance;

/** The service as the app builds it per request; the ranking step needs no storage, tagger, embedder or bus. */
function service(em: EntityManager, visual: VisualRepository): SimilarityService {
  return new SimilarityService({
    similarity: new SimilarityRepository(em),
    text: new TextSearchRepository(em),
    visual,
    products: new ProductRepository(em),
    incoming: unused("incoming"),
    tagger: unused("tagger"),
    embedder: unused("embedder"),
    limits: { maxBytes: 0, maxPixels: 0, taggerTimeoutMs: 0 },
    nearDuplicateMaxDistance: NEAR_DUPLICATE_MAX_DISTANCE,
    // The bench measures one ranking at a time: no line.
    gate: new RankingGate(0, 0),
    bus: unused("bus"),
  });
}

/** A dependency the ranking step must not touch: any use of it throws. */
function unused<T>(name: string): T {
  return new Proxy({}, {
    get: () => {
      throw new Error(`the ranking step used the ${name}`);
    },
  }) as T;
}

const ids = (matches: readonly VisualMatch[]) => matches.map((match) => match.productId);

/** |found ∩ wanted| / |wanted|. */
function overlap(found: readonly string[], wanted: readonly string[]): number {
  if (wanted.length === 0) return 1;
  const set = new Set(found);
  return wanted.filter((id) => set.has(id)).length / wanted.length;
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);

function rotate<T>(items: readonly T[], offset: number): T[] {
  const start = offset % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}
