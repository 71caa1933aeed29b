import type { EntityManager } from "@mikro-orm/postgresql";
import type { ImageFeatures } from "../analysis/features.js";
import { tagEvidence, type TagEvidence } from "../analysis/tags.js";
import { numberArrayLiteral, textArrayLiteral } from "../db/sql-arrays.js";
import { Photo } from "./photo.entity.js";
import { ProductRepository } from "./product-repository.js";

/** A write that belongs with the features (the photo's vector, in search's lists), run inside their transaction. */
export type WriteInTransaction = (em: EntityManager) => Promise<void>;

/**
 * What an analysis leaves behind, written together: the photo's features,
 * its product's tags (those of all its analysed photos, each at its highest
 * confidence), the product's caption (its search document follows by
 * trigger), and whatever else the caller adds (the vector). One
 * transaction, so a crash leaves all of it or none; every write overwrites,
 * so a re-run after a crash repairs rather than appends.
 */
export class PhotoFeaturesRepository {
  constructor(private readonly em: EntityManager) {}

  async saveFeatures(photoId: string, features: ImageFeatures, alsoWrite?: WriteInTransaction): Promise<void> {
    await this.em.transactional(async (tx) => {
      const photo = await tx.findOneOrFail(Photo, { id: photoId });
      photo.features = features;
      await tx.flush();
      const productId = photo.product.id;
      const photos = await tx.find(Photo, { product: productId }, { orderBy: { createdAt: "asc", id: "asc" } });
      await new PhotoFeaturesRepository(tx).setProductTags(productId, strongestEvidence(photos));
      await new ProductRepository(tx).setCaption(productId, productCaption(photos));
      await alsoWrite?.(tx);
    });
  }

  /** Replaces a product's tags (shown and indexed); the set_product_tags function keeps the tag statistics current. */
  async setProductTags(productId: string, evidence: readonly TagEvidence[]): Promise<void> {
    await this.em.execute("select set_product_tags(?::uuid, ?::text[], ?::real[])", [
      productId,
      textArrayLiteral(evidence.map((item) => item.tag)),
      numberArrayLiteral(evidence.map((item) => item.confidence)),
    ]);
  }
}

/** Each tag of the photos once, at the highest confidence any photo gives it, in tag order. */
function strongestEvidence(photos: readonly Photo[]): TagEvidence[] {
  const best = new Map<string, number>();
  for (const { tag, confidence } of photos.flatMap((each) => (each.features ? tagEvidence(each.features) : []))) {
    best.set(tag, Math.max(best.get(tag) ?? 0, confidence));
  }
  return [...best].map(([tag, confidence]) => ({ tag, confidence })).sort((a, b) => (a.tag < b.tag ? -1 : 1));
}

/** Its photos' captions, oldest first, each once; null when none has one. */
function productCaption(photos: readonly Photo[]): string | null {
  const captions = new Set(photos.map((photo) => photo.features?.caption).filter((caption): caption is string => Boolean(caption)));
  return captions.size > 0 ? [...captions].join(" ") : null;
}
