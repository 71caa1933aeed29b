import { mulberry32 } from "../../../seeded-random.js";
import { deltaE76, type Lab } from "./cielab.js";

export interface ColourCluster {
  centre: Lab;
  /** Fraction of the points in this cluster, 0..1. */
  share: number;
}

// Fixed seed: the same photo always gives the same palette (and the same tags).
const SEED = 0x5eed;

/** k-means in CIELAB with k-means++ seeding; clusters sorted by share, largest first. */
export function kMeans(points: readonly Lab[], k: number, iterations = 12): ColourCluster[] {
  if (points.length === 0) return [];
  const random = mulberry32(SEED);
  const centres = seedCentres(points, Math.min(k, points.length), random);
  const assignment = new Uint16Array(points.length);
  for (let round = 0; round < iterations; round++) {
    let moved = false;
    points.forEach((point, index) => {
      const nearest = nearestCentre(point, centres);
      if (nearest !== assignment[index]) moved = true;
      assignment[index] = nearest;
    });
    recomputeCentres(points, assignment, centres);
    if (!moved && round > 0) break;
  }
  const counts = new Array<number>(centres.length).fill(0);
  for (const cluster of assignment) counts[cluster] = (counts[cluster] ?? 0) + 1;
  return centres
    .map((centre, index) => ({ centre, share: (counts[index] ?? 0) / points.length }))
    .filter((cluster) => cluster.share > 0)
    .sort((a, b) => b.share - a.share);
}

function seedCentres(points: readonly Lab[], k: number, random: () => number): Lab[] {
  const centres: Lab[] = [points[Math.floor(random() * points.length)] ?? points[0]!];
  const distances = points.map((point) => deltaE76(point, centres[0]!) ** 2);
  while (centres.length < k) {
    const total = distances.reduce((sum, value) => sum + value, 0);
    if (total === 0) break; // every point equals a centre already: fewer clusters than k
    let target = random() * total;
    let chosen = 0;
    while (chosen < points.length - 1 && (target -= distances[chosen] ?? 0) > 0) chosen++;
    const centre = points[chosen]!;
    centres.push(centre);
    points.forEach((point, index) => {
      distances[index] = Math.min(distances[index] ?? 0, deltaE76(point, centre) ** 2);
    });
  }
  return centres.map((centre) => ({ ...centre }));
}

function nearestCentre(point: Lab, centres: readonly Lab[]): number {
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  centres.forEach((centre, index) => {
    const distance = (point.l - centre.l) ** 2 + (point.a - centre.a) ** 2 + (point.b - centre.b) ** 2;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = index;
    }
  });
  return best;
}

function recomputeCentres(points: readonly Lab[], assignment: Uint16Array, centres: Lab[]): void {
  const sums = centres.map(() => ({ l: 0, a: 0, b: 0, count: 0 }));
  points.forEach((point, index) => {
    const sum = sums[assignment[index] ?? 0]!;
    sum.l += point.l;
    sum.a += point.a;
    sum.b += point.b;
    sum.count++;
  });
  sums.forEach((sum, index) => {
    // An emptied cluster keeps its old centre; it is dropped at the end if still empty.
    if (sum.count > 0) centres[index] = { l: sum.l / sum.count, a: sum.a / sum.count, b: sum.b / sum.count };
  });
}
