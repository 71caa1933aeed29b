import { createHash } from "node:crypto";
import type { ImageFeatures } from "../src/analysis/features.js";
import { tagEvidence, type TagEvidence } from "../src/analysis/tags.js";
import { BACKBONE_EMBEDDING } from "../src/analysis/local/embedding/backbone-embedder.js";
import { CUBE_PART_SIZE } from "../src/search/embedding-sql.js";
import { copyText } from "./copy-in.js";
import { SeededRandom, ZipfPicker } from "./random.js";
import { POPULAR_PICKERS, syntheticFeatures } from "./synthetic-features.js";
import { SyntheticEmbeddings, type ProductLook } from "./synthetic-embeddings.js";
import { COLOUR_NAMES, OBJECT_NAMES } from "./tag-vocabulary.js";
import { MAX_QUERY_TAGS, MIN_QUERY_TAGS } from "./workloads.js";

/** The model the vectors are stored under: the app's own (120 dimensions), so the repository takes them as its own. */
export const BENCH_EMBEDDING_MODEL = BACKBONE_EMBEDDING;

/** Products whose look is not of their first object's kind (the tagger named the object wrongly, or the photo shows more). */
const MISNAMED_KIND = 0.15;
/** Decimals kept of each coordinate (float32 holds about 7 significant digits). */
const COORDINATE_DIGITS = 7;

/**
 * A vector as stored (embeddingLiteral's cube[] literal, with the parts
 * CUBE_PART_SIZE long), rounded to COORDINATE_DIGITS decimals and written as
 * integers with an exponent (cube reads "-1234567e-7"): formatting a million
 * vectors' numbers is most of the seeding's time in Node otherwise.
 */
function cubePartsLiteral(vector: Float64Array): string {
  const parts: string[] = [];
  for (let start = 0; start < vector.length; start += CUBE_PART_SIZE) {
    const numbers: string[] = [];
    for (let index = start; index < Math.min(start + CUBE_PART_SIZE, vector.length); index++) {
      numbers.push(`${Math.round(vector[index]! * 10 ** COORDINATE_DIGITS)}e-${COORDINATE_DIGITS}`);
    }
    parts.push(`"(${numbers.join(",")})"`);
  }
  return `{${parts.join(",")}}`;
}

/**
 * A query photo's tags, as the tag workloads shape them: all sure, and at
 * most MAX_QUERY_TAGS (its objects kept, the rest a sample), like the tag
 * queries of bench:similar.
 */
function queryEvidence(random: SeededRandom, evidence: readonly TagEvidence[]): TagEvidence[] {
  let tags = evidence.map((item) => item.tag);
  if (tags.length > MAX_QUERY_TAGS) {
    const objects = tags.filter((tag) => tag.startsWith("object:"));
    const others = tags.filter((tag) => !tag.startsWith("object:"));
    const keep = Math.max(random.int(MIN_QUERY_TAGS, MAX_QUERY_TAGS) - objects.length, 0);
    tags = [...objects, ...random.sample(others, keep)].sort();
  }
  return tags.map((tag) => ({ tag, confidence: 1 }));
}

/** A catalogue product a query photo is another photo of: what the query needs of it, recorded while seeding. */
export interface QuerySource {
  productId: string;
  evidence: TagEvidence[];
  look: ProductLook;
}

/** One photo of a query: its vector and the tags a tagger would give it. */
export interface VisualQuery {
  kind: VisualQueryKind;
  vector: number[];
  /** As a query photo's tags: all sure (confidence 1). */
  evidence: TagEvidence[];
  /** The catalogue product this is another photo of ("same product" queries). */
  productId: string | null;
}

/** Another photo of a catalogue product; a photo of a product not in the catalogue, of a kind that is. */
export type VisualQueryKind = "same product" | "new product";
export const VISUAL_QUERY_KINDS: readonly VisualQueryKind[] = ["same product", "new product"];

interface CatalogueProduct {
  id: string;
  createdAt: string;
  features: ImageFeatures | undefined;
  evidence: TagEvidence[];
}

/**
 * The visual side of the seeded catalogue: one photo per product, with a
 * vector from SyntheticEmbeddings whose kind is the product's first object,
 * and the rows of `photo` and `photo_embedding` for COPY. Its generators are
 * apart from the tags', so the tags are the same with or without it.
 */
export class VisualCatalogue {
  readonly embeddings: SyntheticEmbeddings;
  private readonly random: SeededRandom;
  private readonly kindOfObject = new Map(OBJECT_NAMES.map((name, index) => [name, index]));
  private readonly colourOf = new Map(COLOUR_NAMES.map((name, index) => [name, index]));
  private readonly anyKind = new ZipfPicker(OBJECT_NAMES.map((_, index) => index));
  private readonly anyColour = new ZipfPicker(COLOUR_NAMES.map((_, index) => index));
  /** Product positions (in seeding order) a "same product" query is drawn from. */
  private readonly sourcePositions: Set<number>;
  readonly sources: QuerySource[] = [];
  private position = 0;
  private readonly storedAt = new Date().toISOString();

  constructor(
    private readonly seed: number,
    products: number,
    sameProductQueries: number,
  ) {
    this.embeddings = new SyntheticEmbeddings(seed ^ 0x7e11, OBJECT_NAMES.length, COLOUR_NAMES.length);
    this.random = new SeededRandom(seed ^ 0x9a0c);
    const positions = new SeededRandom(seed ^ 0x50c5);
    this.sourcePositions = new Set(positions.sample(Array.from({ length: products }, (_, index) => index), Math.min(sameProductQueries, products)));
  }

  /** COPY text rows of photo and photo_embedding for the next product. */
  rows(product: CatalogueProduct): { photo: string[]; embedding: string[] } {
    const random = this.random;
    const { kind, colour } = this.kindAndColour(product.features, random);
    const look = this.embeddings.addProduct(random, kind, colour);
    const vector = this.embeddings.photo(random, look);
    if (this.sourcePositions.has(this.position)) this.sources.push({ productId: product.id, evidence: product.evidence, look });
    this.position++;

    const photoId = random.uuid();
    const sha256 = createHash("sha256").update(photoId).digest("hex");
    const perceptualHash = BigInt.asIntN(64, (BigInt(random.int(0, 2 ** 32 - 1)) << 32n) | BigInt(random.int(0, 2 ** 32 - 1)));
    const features = product.features ?? { main_objects: [], overall_style: [], caption: null };
    const photo = [
      photoId,
      product.id,
      `bench/${photoId}.jpg`,
      "image/jpeg",
      String(random.int(600, 2000)),
      String(random.int(600, 2000)),
      String(random.int(40_000, 900_000)),
      sha256,
      copyText(JSON.stringify(features)),
      perceptualHash.toString(),
      product.createdAt,
    ];
    // Stored now, before the lists are built (the products' own dates run years ahead: the index builder
    // would take their vectors for ones stored while it ran, and place them again one by one).
    const embedding = [photoId, product.id, BENCH_EMBEDDING_MODEL.id, String(BENCH_EMBEDDING_MODEL.dimension), cubePartsLiteral(vector), "\\N", this.storedAt];
    return { photo, embedding };
  }

  /**
   * The query photos: another photo of sampled catalogue products (their
   * tags as a second photo would give them: one non-object tag fewer when
   * they have more than four), and photos of new products of the
   * catalogue's kinds, drawn as the catalogue is; 4 to 8 tags each, as the
   * tag queries (queryEvidence). Call after seeding.
   */
  queries(count: number): VisualQuery[] {
    const random = new SeededRandom(this.seed ^ 0x0e7e);
    const sameProduct = this.sources.map((source): VisualQuery => {
      const others = source.evidence.filter((item) => !item.tag.startsWith("object:"));
      const dropped = source.evidence.length > MIN_QUERY_TAGS && others.length > 0 ? random.pick(others).tag : null;
      return {
        kind: "same product",
        vector: Array.from(this.embeddings.photo(random, source.look)),
        evidence: queryEvidence(
          random,
          source.evidence.filter((item) => item.tag !== dropped),
        ),
        productId: source.productId,
      };
    });
    const newProducts = Array.from({ length: count - sameProduct.length }, (): VisualQuery => {
      const features = syntheticFeatures(random, POPULAR_PICKERS);
      const { kind, colour } = this.kindAndColour(features, random);
      const look = this.embeddings.newProduct(random, kind, colour);
      return { kind: "new product", vector: Array.from(this.embeddings.photo(random, look)), evidence: queryEvidence(random, tagEvidence(features)), productId: null };
    });
    return [...sameProduct, ...newProducts];
  }

  /** A product's kind is its first object's name, and its colour that object's first colour, as a rule. */
  private kindAndColour(features: ImageFeatures | undefined, random: SeededRandom): { kind: number; colour: number } {
    const object = features?.main_objects[0];
    const named = object ? this.kindOfObject.get(object.object_type) : undefined;
    const kind = named === undefined || random.chance(MISNAMED_KIND) ? this.anyKind.pick(random) : named;
    const colourName = object?.attributes.find((attribute) => attribute.kind === "color")?.value;
    const colour = (colourName === undefined ? undefined : this.colourOf.get(colourName)) ?? this.anyColour.pick(random);
    return { kind, colour };
  }
}
