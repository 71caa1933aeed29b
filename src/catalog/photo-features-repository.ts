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
      await new PhotoFeaturesRepository(tx).followPhotos(photo.product.id);
      await alsoWrite?.(tx);
    });
  }

  /**
   * Deletes one of a product's photos (its analysis and vector follow by
   * cascade) and makes the product's tags and caption those of the photos
   * left, in one transaction. The product's row is locked first, so two
   * removals at once cannot take its last photo. Null when there is no such
   * photo; "last" (nothing deleted) when it is the product's only one.
   */
  async removePhoto(photoId: string): Promise<{ productId: string; storageKey: string; analysisIds: string[] } | "last" | null> {
    return this.em.transactional(async (tx) => {
      const [locked] = await tx.execute<Array<{ id: string }>>("select id from product where id = (select product_id from photo where id = ?::uuid) for update", [photoId]);
      if (!locked) return null;
      const [photo] = await tx.execute<Array<{ storage_key: string; photos: number; analysis_ids: string[] }>>(
        `select p.storage_key, (select count(*) from photo o where o.product_id = p.product_id)::int as photos,
                array(select a.id::text from analysis a where a.photo_id = p.id) as analysis_ids
         from photo p where p.id = ?::uuid`,
        [photoId],
      );
      if (!photo) return null;
      if (photo.photos <= 1) return "last";
      await tx.execute("delete from photo where id = ?::uuid", [photoId]);
      await new PhotoFeaturesRepository(tx).followPhotos(locked.id);
      return { productId: locked.id, storageKey: photo.storage_key, analysisIds: photo.analysis_ids };
    });
  }

  /** The product's tags and caption become those of its photos, as they are now. */
  private async followPhotos(productId: string): Promise<void> {
    const photos = await this.em.find(Photo, { product: productId }, { orderBy: { createdAt: "asc", id: "asc" } });
    await this.setProductTags(productId, strongestEvidence(photos));
    await new ProductRepository(this.em).setCaption(productId, productCaption(photos));
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
