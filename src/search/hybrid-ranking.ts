/**
 * How the two signals become one ranking, written once. Tag overlap explains
 * itself; visual similarity finds what tags cannot tell apart. Duplicates of
 * the query come before anything else, however the scores fall.
 */

/** Which signal ranks: both (the default), the photo's look alone, or today's explained tag overlap alone. */
export type RankingSignal = "HYBRID" | "VISUAL" | "TAGS";

/** EXACT: the same bytes (sha256). NEAR: a re-encoded, resized, cropped or retouched copy (pHash or vector). */
export type DuplicateKind = "EXACT" | "NEAR";

/**
 * The visual share of the HYBRID score. Tuned on the quality bench's tuning
 * photos (bench/quality, BENCH_QUALITY_SWEEP=1): from 0.4 to 0.9, same-group
 * neighbours peaked at 0.6 (0.61, against 0.50 at 0.4 and 0.59 from 0.7 on),
 * with copies and second photos found alike from 0.5 up. Its figures are
 * reported on the other photos.
 */
export const VISUAL_WEIGHT = 0.6;

/**
 * Vectors this close (cosine) are the same photo, re-encoded, resized,
 * cropped or brightened. On the quality bench's photos, no two distinct
 * photos came closer than 0.872 (of ~10,000 pairs), while most copies (the
 * median 80% crop at 0.948) come closer than this; the copies it misses are
 * still ranked by their scores, and pHash catches most of them.
 */
export const NEAR_DUPLICATE_SIMILARITY = 0.92;

export interface HybridCandidate {
  productId: string;
  /** 0..1, or null when the signal was not used. */
  visualScore: number | null;
  tagScore: number | null;
  duplicate: DuplicateKind | null;
  /** Tags the product carries: among equal scores, the one carrying fewer (fewer extras) comes first. */
  tagCount: number;
  createdAt: Date;
}

export function fusedScore(signal: RankingSignal, visualScore: number | null, tagScore: number | null): number {
  const visual = visualScore ?? 0;
  const tags = tagScore ?? 0;
  if (signal === "VISUAL") return visual;
  if (signal === "TAGS") return tags;
  return VISUAL_WEIGHT * visual + (1 - VISUAL_WEIGHT) * tags;
}

const DUPLICATE_RANK: Record<DuplicateKind, number> = { EXACT: 0, NEAR: 1 };

/** Duplicates first (exact before near), then the fused score, fewer extra tags, newest, id. */
export function compareCandidates(signal: RankingSignal) {
  return (a: HybridCandidate, b: HybridCandidate): number =>
    (a.duplicate ? DUPLICATE_RANK[a.duplicate] : 2) - (b.duplicate ? DUPLICATE_RANK[b.duplicate] : 2) ||
    fusedScore(signal, b.visualScore, b.tagScore) - fusedScore(signal, a.visualScore, a.tagScore) ||
    a.tagCount - b.tagCount ||
    b.createdAt.getTime() - a.createdAt.getTime() ||
    (a.productId < b.productId ? 1 : a.productId > b.productId ? -1 : 0);
}

/** How many candidates each signal contributes for a top k: deep enough that the other signal can lift one into the top k. */
export function candidateDepth(k: number): number {
  return Math.min(200, Math.max(40, k * 4));
}
