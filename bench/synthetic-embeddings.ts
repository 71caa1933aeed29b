/**
 * Synthetic photo embeddings that cluster the way real ones do, for the
 * visual half of bench:similar. Real vectors (the CenterNet backbone's, 120
 * dimensions, unit length) are not uniform on the sphere:
 *
 * - they share a large common component: two unrelated photos are at cosine
 *   0.2-0.5, not 0 (0.24 on average between the repo's fixture photos, whose
 *   subjects differ far more than one shop's products do);
 * - their variance is anisotropic: a few directions carry most of it, and
 *   each kind of thing varies along directions of its own;
 * - they cluster in a hierarchy: kinds of things (a sneaker, a mug), product
 *   lines within a kind (one model of sneaker in many colours), products
 *   within a line, and photos of a product (views, lighting: another view of
 *   the same thing lands at cosine ~0.8-0.9, a crop of 50-70% at 0.6-0.88, a
 *   re-encoded copy at 0.98+);
 * - clusters have uneven sizes and spreads: a few huge lines, a long tail of
 *   one-off products, tight kinds and diffuse ones.
 *
 * The model: photo = normalise(mean + kind + line + product + colour + view),
 * each term a Gaussian with its own share of the variance (SHARES) and its own
 * spectrum. A product's kind is its first object's name (so looks and tags
 * agree), except for a share of products the tagger named otherwise. Lines
 * follow a Pitman-Yor process within their kind (heavy-tailed sizes, more
 * lines as the kind grows). Everything comes from seeded generators, in
 * product order, so a run with the same seed and size seeds the same vectors.
 */
import { SeededRandom } from "./random.js";

export const DIMENSION = 120;

/**
 * Expected squared length of each term, before normalisation (they add up to
 * 1). Cosines that follow, on average: unrelated kinds ~0.30, same kind ~0.55,
 * same line ~0.75, two photos of one product ~0.87.
 */
export const SHARES = { mean: 0.28, kind: 0.25, line: 0.1, product: 0.1, colour: 0.03, view: 0.24 } as const;

/** Pitman-Yor parameters of the lines within a kind: discount and concentration. */
const LINE_DISCOUNT = 0.3;
const LINE_CONCENTRATION = 20;
/** How much kinds and lines differ in spread (log-normal sigma of a multiplier). */
const KIND_SPREAD_SIGMA = 0.35;
const LINE_SPREAD_SIGMA = 0.3;
/** How unevenly a kind spreads over the dimensions (log-normal sigma per dimension). */
const KIND_SHAPE_SIGMA = 0.6;
/** Spectra: the variance of dimension i goes as (i + 1)^-exponent. */
const KIND_SPECTRUM = 2.0;
const WITHIN_KIND_SPECTRUM = 1.5;
const VIEW_SPECTRUM = 1.2;

interface Kind {
  centre: Float64Array;
  /** Standard deviation per dimension of a line's offset within the kind (and of a product's, scaled). */
  shape: Float64Array;
  spread: number;
  lines: Line[];
  /** The line of each product of the kind so far (for the Pitman-Yor draw). */
  members: number[];
}

interface Line {
  centre: Float64Array;
  spread: number;
  size: number;
}

/** Where a product sits: its kind and line, and its look before the photo's view is added. */
export interface ProductLook {
  kind: number;
  line: number;
  /** Not normalised: a photo of it is normalise(look + colour + view). */
  look: Float64Array;
  colour: number;
}

export class SyntheticEmbeddings {
  private readonly mean: Float64Array;
  private readonly kinds: Array<Kind | undefined>;
  private readonly colours: Float64Array[];
  private readonly viewScale: Float64Array;

  /**
   * @param kinds how many kinds of things (a product's kind is an index below it)
   * @param colours how many colour names
   */
  constructor(
    private readonly seed: number,
    kinds: number,
    colours: number,
  ) {
    const random = new SeededRandom(seed ^ 0x10045);
    this.mean = scaled(gaussianVector(random, DIMENSION), Math.sqrt(SHARES.mean / DIMENSION));
    this.kinds = new Array<Kind | undefined>(kinds);
    this.colours = Array.from({ length: colours }, () => scaled(gaussianVector(random, DIMENSION), Math.sqrt(SHARES.colour / DIMENSION)));
    this.viewScale = spectrum(DIMENSION, VIEW_SPECTRUM, SHARES.view);
  }

  /** Kinds created so far (those some product belongs to). */
  get kindCount(): number {
    return this.kinds.filter(Boolean).length;
  }

  get lineCount(): number {
    return this.kinds.reduce((sum, kind) => sum + (kind?.lines.length ?? 0), 0);
  }

  /**
   * A new catalogue product of a kind: it joins a line of the kind or starts
   * one (Pitman-Yor), and the kind remembers it.
   */
  addProduct(random: SeededRandom, kind: number, colour: number): ProductLook {
    const state = this.kind(kind);
    const line = this.drawLine(random, state);
    if (line === state.lines.length) state.lines.push(this.newLine(random, state));
    state.lines[line]!.size++;
    state.members.push(line);
    return { kind, line, look: this.productAround(random, state, state.lines[line]!), colour };
  }

  /**
   * A product that is not in the catalogue, of an existing kind: drawn as the
   * next catalogue product would be, but the kind does not remember it.
   */
  newProduct(random: SeededRandom, kind: number, colour: number): ProductLook {
    const state = this.kind(kind);
    const line = this.drawLine(random, state);
    const centre = line < state.lines.length ? state.lines[line]! : this.newLine(random, state);
    return { kind, line, look: this.productAround(random, state, centre), colour };
  }

  /** One photo of a product: its look, its colour, and a view of its own; unit length. */
  photo(random: SeededRandom, product: ProductLook): Float64Array {
    const vector = new Float64Array(DIMENSION);
    const colour = this.colours[product.colour] ?? new Float64Array(DIMENSION);
    for (let index = 0; index < DIMENSION; index++) {
      vector[index] = product.look[index]! + colour[index]! + this.viewScale[index]! * random.gaussian();
    }
    return unit(vector);
  }

  private kind(index: number): Kind {
    let kind = this.kinds[index];
    if (!kind) {
      // Each kind from a generator of its own: the same kind looks the same whichever product creates it.
      const random = new SeededRandom(this.seed ^ Math.imul(index + 1, 0x9e3779b1));
      const centreScale = spectrum(DIMENSION, KIND_SPECTRUM, SHARES.kind);
      const centre = new Float64Array(DIMENSION);
      for (let i = 0; i < DIMENSION; i++) centre[i] = this.mean[i]! + centreScale[i]! * random.gaussian();
      // Each kind varies along directions of its own: a spectrum over a shuffled order of the dimensions, unevenly.
      const order = random.sample(
        Array.from({ length: DIMENSION }, (_, i) => i),
        DIMENSION,
      );
      const base = spectrum(DIMENSION, WITHIN_KIND_SPECTRUM, 1);
      const shape = new Float64Array(DIMENSION);
      order.forEach((dimension, rank) => (shape[dimension] = base[rank]! * Math.exp(KIND_SHAPE_SIGMA * random.gaussian())));
      const norm = Math.sqrt(shape.reduce((sum, value) => sum + value * value, 0));
      for (let i = 0; i < DIMENSION; i++) shape[i] = shape[i]! / norm;
      kind = { centre, shape, spread: Math.exp(KIND_SPREAD_SIGMA * random.gaussian()), lines: [], members: [] };
      this.kinds[index] = kind;
    }
    return kind;
  }

  /** Pitman-Yor: an existing line with weight (size - discount), a new one (index lines.length) with weight concentration + discount x lines. */
  private drawLine(random: SeededRandom, kind: Kind): number {
    const n = kind.members.length;
    const lines = kind.lines.length;
    if (random.next() * (n + LINE_CONCENTRATION) < LINE_CONCENTRATION + LINE_DISCOUNT * lines) return lines;
    // An existing line with weight size - discount: a random member's line (weight size), kept with probability (size - discount) / size.
    for (;;) {
      const line = kind.members[Math.floor(random.next() * n)]!;
      const size = kind.lines[line]!.size;
      if (random.next() * size < size - LINE_DISCOUNT) return line;
    }
  }

  private newLine(random: SeededRandom, kind: Kind): Line {
    const scale = Math.sqrt(SHARES.line) * kind.spread;
    const centre = new Float64Array(DIMENSION);
    for (let i = 0; i < DIMENSION; i++) centre[i] = kind.centre[i]! + scale * kind.shape[i]! * random.gaussian();
    return { centre, spread: Math.exp(LINE_SPREAD_SIGMA * random.gaussian()), size: 0 };
  }

  private productAround(random: SeededRandom, kind: Kind, line: Line): Float64Array {
    const scale = Math.sqrt(SHARES.product) * kind.spread * line.spread;
    const look = new Float64Array(DIMENSION);
    for (let i = 0; i < DIMENSION; i++) look[i] = line.centre[i]! + scale * kind.shape[i]! * random.gaussian();
    return look;
  }
}

/** Standard deviations per dimension whose squares follow (i + 1)^-exponent and add up to `total`. */
function spectrum(dimension: number, exponent: number, total: number): Float64Array {
  const variances = Array.from({ length: dimension }, (_, index) => (index + 1) ** -exponent);
  const sum = variances.reduce((a, b) => a + b, 0);
  return Float64Array.from(variances, (variance) => Math.sqrt((variance / sum) * total));
}

function gaussianVector(random: SeededRandom, dimension: number): Float64Array {
  return Float64Array.from({ length: dimension }, () => random.gaussian());
}

function scaled(vector: Float64Array, factor: number): Float64Array {
  return vector.map((value) => value * factor);
}

export function unit(vector: Float64Array): Float64Array {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0)) || 1;
  return vector.map((value) => value / norm);
}

/** Cosine of two unit vectors. */
export function dot(left: ArrayLike<number>, right: ArrayLike<number>): number {
  let sum = 0;
  for (let index = 0; index < left.length; index++) sum += left[index]! * right[index]!;
  return sum;
}
