/**
 * Embeddings in SQL, written once: how a vector is stored (contrib `cube`
 * parts, at most 100 dimensions each) and how two are compared. The
 * repository, the index builder and the benchmark's exact baseline all build
 * their statements from these.
 */

/** cube's limit (CUBE_MAX_DIM). */
export const CUBE_PART_SIZE = 100;

export function partCount(dimension: number): number {
  return Math.ceil(dimension / CUBE_PART_SIZE);
}

/** A vector as a cube[] literal, bound as one text parameter and cast with ::cube[]. */
export function embeddingLiteral(vector: readonly number[]): string {
  if (vector.length === 0 || !vector.every(Number.isFinite)) throw new Error("an embedding needs finite numbers");
  const parts: string[] = [];
  for (let start = 0; start < vector.length; start += CUBE_PART_SIZE) {
    parts.push(`"(${vector.slice(start, start + CUBE_PART_SIZE).join(",")})"`);
  }
  return `{${parts.join(",")}}`;
}

/** The numbers of a cube[] read back as text ({"(1, 2)","(3)"}). */
export function parseEmbedding(text: string): number[] {
  return [...text.matchAll(/\(([^()]*)\)/g)].flatMap((match) => (match[1] ?? "").split(",").map(Number));
}

/**
 * The exact Euclidean distance between two stored vectors of `parts` parts:
 * the root of the sum of the parts' squared distances, each part's computed
 * in C by cube's `<->`.
 */
export function distanceSql(left: string, right: string, parts: number): string {
  if (parts === 1) return `(${left}[1] <-> ${right}[1])`;
  const squares = Array.from({ length: parts }, (_, index) => `power(${left}[${index + 1}] <-> ${right}[${index + 1}], 2)`);
  return `sqrt(${squares.join(" + ")})`;
}

/**
 * Visual similarity from the distance of two unit vectors: their cosine
 * (1 - d²/2), below 0 counted as 0. 1 is the same look.
 */
export function similaritySql(distance: string): string {
  return `greatest(0, 1 - power(${distance}, 2) / 2)`;
}

/** The same as similaritySql, for vectors in Node (the index builder, tests). */
export function cosineOfUnitVectors(left: ArrayLike<number>, right: ArrayLike<number>): number {
  let dot = 0;
  for (let index = 0; index < left.length; index++) dot += (left[index] ?? 0) * (right[index] ?? 0);
  return Math.max(0, dot);
}
