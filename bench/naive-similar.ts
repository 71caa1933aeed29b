import type { EntityManager } from "@mikro-orm/postgresql";
import { timed } from "./latency.js";

/** One result of a ranking, reduced to what two rankings are compared on. */
export interface RankedId {
  id: string;
  score: number;
}

export interface ProductTagsRow {
  id: string;
  tags: string[];
  /** As text: the ORM's driver leaves timestamps unparsed. */
  created_at: string;
}

/**
 * The naive way the issue compares against: on every search, every
 * product's tags over the wire into Node, scored there.
 */
export class NaiveSimilarSearch {
  /** Time spent loading rows, per search (the rest is scoring and sorting in Node). */
  readonly loadMs: number[] = [];
  /** The rows of the last load, to rank further queries against without reloading. */
  lastRows: ProductTagsRow[] = [];

  constructor(
    private readonly em: EntityManager,
    private readonly limit: number,
  ) {}

  async find(tags: readonly string[]): Promise<RankedId[]> {
    const { result, ms } = await timed(() => this.em.execute<ProductTagsRow[]>("select id, tags, created_at from product"));
    this.loadMs.push(ms);
    this.lastRows = result;
    return rankByTagOverlap(result, tags, this.limit);
  }
}

/**
 * The repository's scoring, in Node: count of query tags a product carries,
 * products without any left out, ties newest first, then by id (descending,
 * like PostgreSQL's uuid order, which matches the lower-case text order).
 */
export function rankByTagOverlap(rows: readonly ProductTagsRow[], queryTags: readonly string[], limit: number): RankedId[] {
  const wanted = new Set(queryTags);
  const scored: { id: string; score: number; createdAt: number }[] = [];
  for (const row of rows) {
    let score = 0;
    for (const tag of row.tags) if (wanted.has(tag)) score++;
    // Milliseconds, like the Dates the app writes (PostgreSQL keeps microseconds).
    if (score > 0) scored.push({ id: row.id, score, createdAt: Date.parse(row.created_at) });
  }
  scored.sort((a, b) => b.score - a.score || b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return scored.slice(0, limit).map(({ id, score }) => ({ id, score }));
}

/** Rows sharing at least one tag with the query: what `tags && query` lets through. */
export function countCandidates(rows: readonly ProductTagsRow[], queryTags: readonly string[]): number {
  const wanted = new Set(queryTags);
  return rows.filter((row) => row.tags.some((tag) => wanted.has(tag))).length;
}
