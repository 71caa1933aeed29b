import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { Photo } from "../../catalog/photo.entity.js";
import type { ScoredProduct } from "../../search/similarity-repository.js";
import type { RequestContext } from "../context.js";
import { PhotoType } from "../photo/photo.type.js";
import { ProductMatchType } from "./product-match.type.js";

@Resolver(() => ProductMatchType)
export class ProductMatchResolver {
  @FieldResolver(() => PhotoType, {
    nullable: true,
    description:
      "The product's photo that matched: the one that looks most like the query (VISUAL, HYBRID), or the one that duplicates it. " +
      "Null when the ranking went by tags or words alone (tags belong to the product, not to one photo). Batched per request.",
  })
  async matchedPhoto(@Root() match: ScoredProduct, @Ctx() ctx: RequestContext): Promise<Photo | null> {
    if (match.matchedPhotoId === null) return null;
    // The product's photos, one read for every match (and shared with product { photos }).
    const photos = await ctx.loaders.photosByProductId.load(match.product.id);
    return photos.find((photo) => photo.id === match.matchedPhotoId) ?? null;
  }
}
