/**
 * IVF lists for visual search: spherical k-means over unit vectors (nearest
 * = largest dot product), trained on a sample, then every vector assigned to
 * its nearest centroid. Plain loops over Float32Arrays, run on a thread of
 * their own (visual-lists-thread.ts), never on the event loop.
 */
import { mulberry32 } from "../seeded-random.js";

export interface TrainedLists {
  dimension: number;
  /** k centroids of unit length, row after row. */
  centroids: Float32Array;
  k: number;
}

/** Trains k lists on `sample` (vectors of one dimension, unit length). */
export function trainLists(sample: readonly ArrayLike<number>[], k: number, options: { iterations?: number; seed?: number } = {}): TrainedLists {
  const dimension = sample[0]?.length ?? 0;
  if (dimension === 0) throw new Error("no vectors to train lists on");
  const count = Math.min(k, sample.length);
  const points = new Float32Array(sample.length * dimension);
  sample.forEach((vector, row) => points.set(Array.from(vector), row * dimension));
  const random = mulberry32(options.seed ?? 0x1f5);
  // Initial centroids: distinct random sample points (k-means++ costs k passes; with
  // thousands of lists that is the whole training budget, for little gain here).
  const order = Array.from({ length: sample.length }, (_, index) => index);
  for (let index = order.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [order[index], order[other]] = [order[other]!, order[index]!];
  }
  const centroids = new Float32Array(count * dimension);
  for (let list = 0; list < count; list++) centroids.set(points.subarray(order[list]! * dimension, (order[list]! + 1) * dimension), list * dimension);
  const lists: TrainedLists = { dimension, centroids, k: count };
  const assignment = new Int32Array(sample.length);
  for (let round = 0; round < (options.iterations ?? 8); round++) {
    assignment.set(nearestLists(lists, points, sample.length));
    recompute(points, assignment, lists, random);
  }
  return lists;
}

/** The list whose centroid has the largest dot product with the vector at `offset` of `vectors`. */
export function nearestList(lists: TrainedLists, vectors: Float32Array, offset: number): number {
  const { centroids, dimension, k } = lists;
  let best = 0;
  let bestDot = -Infinity;
  for (let list = 0; list < k; list++) {
    let dot = 0;
    const base = list * dimension;
    for (let index = 0; index < dimension; index++) dot += centroids[base + index]! * vectors[offset + index]!;
    if (dot > bestDot) {
      bestDot = dot;
      best = list;
    }
  }
  return best;
}

/** Vectors compared with the centroids at once: each centroid is read once for the whole block. */
const BLOCK = 8;

/**
 * nearestList of the first `count` vectors of `vectors` (one after the
 * other), with the same result vector by vector, about 4 times faster: the
 * vectors go BLOCK at a time, so each centroid is read once per block rather
 * than once per vector. Assigning a million vectors to thousands of lists is
 * hundreds of billions of multiply-adds.
 */
export function nearestLists(lists: TrainedLists, vectors: Float32Array, count = Math.floor(vectors.length / lists.dimension)): Int32Array {
  const { centroids, dimension, k } = lists;
  const found = new Int32Array(count);
  const block = new Float64Array(BLOCK * dimension);
  const d = dimension;
  let row = 0;
  for (; row + BLOCK <= count; row += BLOCK) {
    for (let index = 0; index < BLOCK * d; index++) block[index] = vectors[row * d + index]!;
    let best0 = -Infinity, best1 = -Infinity, best2 = -Infinity, best3 = -Infinity, best4 = -Infinity, best5 = -Infinity, best6 = -Infinity, best7 = -Infinity;
    let list0 = 0, list1 = 0, list2 = 0, list3 = 0, list4 = 0, list5 = 0, list6 = 0, list7 = 0;
    for (let list = 0; list < k; list++) {
      const base = list * d;
      let dot0 = 0, dot1 = 0, dot2 = 0, dot3 = 0, dot4 = 0, dot5 = 0, dot6 = 0, dot7 = 0;
      for (let index = 0; index < d; index++) {
        const centroid = centroids[base + index]!;
        dot0 += centroid * block[index]!;
        dot1 += centroid * block[d + index]!;
        dot2 += centroid * block[2 * d + index]!;
        dot3 += centroid * block[3 * d + index]!;
        dot4 += centroid * block[4 * d + index]!;
        dot5 += centroid * block[5 * d + index]!;
        dot6 += centroid * block[6 * d + index]!;
        dot7 += centroid * block[7 * d + index]!;
      }
      if (dot0 > best0) (best0 = dot0), (list0 = list);
      if (dot1 > best1) (best1 = dot1), (list1 = list);
      if (dot2 > best2) (best2 = dot2), (list2 = list);
      if (dot3 > best3) (best3 = dot3), (list3 = list);
      if (dot4 > best4) (best4 = dot4), (list4 = list);
      if (dot5 > best5) (best5 = dot5), (list5 = list);
      if (dot6 > best6) (best6 = dot6), (list6 = list);
      if (dot7 > best7) (best7 = dot7), (list7 = list);
    }
    found[row] = list0;
    found[row + 1] = list1;
    found[row + 2] = list2;
    found[row + 3] = list3;
    found[row + 4] = list4;
    found[row + 5] = list5;
    found[row + 6] = list6;
    found[row + 7] = list7;
  }
  for (; row < count; row++) found[row] = nearestList(lists, vectors, row * d);
  return found;
}

/** Centroids become their members' normalised mean; an empty list takes a random point again. */
function recompute(points: Float32Array, assignment: Int32Array, lists: TrainedLists, random: () => number): void {
  const { centroids, dimension, k } = lists;
  const sums = new Float64Array(k * dimension);
  const counts = new Int32Array(k);
  for (let row = 0; row < assignment.length; row++) {
    const list = assignment[row]!;
    counts[list]!++;
    for (let index = 0; index < dimension; index++) sums[list * dimension + index]! += points[row * dimension + index]!;
  }
  const rows = assignment.length;
  for (let list = 0; list < k; list++) {
    if (counts[list] === 0) {
      const row = Math.floor(random() * rows);
      centroids.set(points.subarray(row * dimension, (row + 1) * dimension), list * dimension);
      continue;
    }
    let norm = 0;
    for (let index = 0; index < dimension; index++) norm += sums[list * dimension + index]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let index = 0; index < dimension; index++) centroids[list * dimension + index] = sums[list * dimension + index]! / norm;
  }
}
