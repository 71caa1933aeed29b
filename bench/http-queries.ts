/**
 * What bench:http's read path asks (issue 12): which products, cursors and
 * words, and in which order. Everything is drawn from a seeded PRNG, so two
 * runs on the same seed send the same requests in the same order.
 */
import pg from "pg";
import { encodeCursor } from "../src/catalog/cursor.js";
import { SeededRandom, ZipfPicker } from "./random.js";
import { COLOUR_NAMES, OBJECT_NAMES, TEXT_WORDS } from "./tag-vocabulary.js";

/**
 * The order a workload's distinct requests are sent in: an endless stream,
 * a fixed drawn sequence of indexes into its list of bodies, repeated.
 * Each load run (autocannon or the pg replay) takes the next requests of
 * its own stream, and the stream goes on from run to run, so the rounds
 * reach further into the sequence instead of repeating its start.
 */
export class RequestStream {
  /** Requests taken so far (positions in the stream). */
  position = 0;
  private readonly firstSeen: Int32Array;

  constructor(
    readonly bodies: readonly string[],
    private readonly sequence: Int32Array,
  ) {
    // Where each distinct request first occurs in the stream (-1: never).
    this.firstSeen = new Int32Array(bodies.length).fill(-1);
    sequence.forEach((index, position) => {
      if (this.firstSeen[index] === -1) this.firstSeen[index] = position;
    });
  }

  /** The index (into bodies) of the next request. */
  nextIndex(): number {
    return this.sequence[this.position++ % this.sequence.length]!;
  }

  next(): string {
    return this.bodies[this.nextIndex()]!;
  }

  /** A fresh stream over the same sequence, from its start (the pg replay's, beside autocannon's). */
  fork(): RequestStream {
    return new RequestStream(this.bodies, this.sequence);
  }

  /** The indexes (into bodies) of the requests at positions [from, to). */
  indexes(from: number, to: number): number[] {
    return Array.from({ length: Math.max(to - from, 0) }, (_, offset) => this.sequence[(from + offset) % this.sequence.length]!);
  }

  /**
   * Of the requests at positions [from, to): how many, how many distinct,
   * and how many had been sent before in this stream (from its start): the
   * most an unbounded cache in front of the app could have answered.
   */
  span(from: number, to: number): { requests: number; distinct: number; repeated: number } {
    const seen = new Set<number>();
    let repeated = 0;
    for (let position = from; position < to; position++) {
      const index = this.sequence[position % this.sequence.length]!;
      seen.add(index);
      if (position >= this.sequence.length || this.firstSeen[index]! < position) repeated++;
    }
    return { requests: Math.max(to - from, 0), distinct: seen.size, repeated };
  }
}

/** `length` draws from `count` items: Zipf-like by rank (1 / rank^exponent), or uniform when exponent is 0. */
export function drawSequence(count: number, length: number, seed: number, exponent: number): Int32Array {
  const random = new SeededRandom(seed);
  const picker = exponent > 0 ? new ZipfPicker(Array.from({ length: count }, (_, index) => index), exponent) : null;
  const sequence = new Int32Array(length);
  for (let position = 0; position < length; position++) sequence[position] = picker ? picker.pick(random) : random.int(0, count - 1);
  return sequence;
}

/**
 * Searches with common words, most popular first: a colour and an object
 * from the heads of the catalogue's Zipf lists ("black t-shirt", "white
 * mug"), ranked by the product of their ranks. Each finds many products.
 */
export function popularSearches(count: number): string[] {
  const pairs: Array<{ words: string; rank: number; object: number }> = [];
  for (const [object, objectName] of OBJECT_NAMES.entries()) {
    for (const [colour, colourName] of COLOUR_NAMES.entries()) pairs.push({ words: `${colourName} ${objectName}`, rank: (object + 1) * (colour + 1), object });
  }
  pairs.sort((a, b) => a.rank - b.rank || a.object - b.object);
  return pairs.slice(0, count).map((pair) => pair.words);
}

/**
 * Searches with rare words, in a seeded order (their popularity rank): a
 * word read off few products (the tail of the OCR words), or a colour and an
 * object both from the tails of their lists. At a million products each
 * finds a handful; on a small catalogue many find nothing.
 */
export function rareSearches(count: number, seed: number): string[] {
  const words = TEXT_WORDS.slice(Math.floor(TEXT_WORDS.length / 2));
  const colours = COLOUR_NAMES.slice(COLOUR_NAMES.length / 2);
  const objects = OBJECT_NAMES.slice(OBJECT_NAMES.length / 2);
  const pairs = objects.flatMap((object) => colours.map((colour) => `${colour} ${object}`));
  const candidates = [...words, ...pairs];
  if (count > candidates.length) throw new Error(`at most ${candidates.length} distinct rare searches`);
  return new SeededRandom(seed).sample(candidates, count);
}

/** Products of the catalogue at given depths of the newest-first order (0: the newest), with their cursors. */
export interface CatalogueSample {
  /** Products to ask for by id, in a seeded order. */
  productIds: string[];
  /** Cursors of products at seeded random depths (below the first page), for pages deep in the catalogue. */
  deepCursors: Array<{ depth: number; cursor: string }>;
}

/**
 * Draws `ids` products uniformly from the catalogue and `cursors` depths
 * uniformly from below the first page to the last full page, in one pass
 * over the newest-first order (the order `products` pages in).
 */
export async function sampleCatalogue(databaseUrl: string, products: number, ids: number, cursors: number, seed: number): Promise<CatalogueSample> {
  const random = new SeededRandom(seed);
  const idDepths = distinctInts(random, Math.min(ids, products), 0, products - 1);
  const deepest = Math.max(products - 21, 20);
  const cursorDepths = distinctInts(random, Math.min(cursors, deepest - 19), 20, deepest);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; created_at: Date; depth: string }>(
      `select id, created_at, depth from (
         select id, created_at, row_number() over (order by created_at desc, id desc) - 1 as depth from product
       ) ranked where depth = any($1::bigint[])`,
      [[...new Set([...idDepths, ...cursorDepths])]],
    );
    const byDepth = new Map(rows.map((row) => [Number(row.depth), row]));
    const at = (depth: number) => {
      const row = byDepth.get(depth);
      if (!row) throw new Error(`no product at depth ${depth} of ${products}`);
      return row;
    };
    return {
      productIds: idDepths.map((depth) => at(depth).id),
      deepCursors: cursorDepths.map((depth) => ({ depth, cursor: encodeCursor({ createdAt: at(depth).created_at, id: at(depth).id }) })),
    };
  } finally {
    await client.end();
  }
}

/** `count` distinct integers in [min, max], in the order drawn. */
function distinctInts(random: SeededRandom, count: number, min: number, max: number): number[] {
  const drawn = new Set<number>();
  while (drawn.size < count) drawn.add(random.int(min, max));
  return [...drawn];
}
