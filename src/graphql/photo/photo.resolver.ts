import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import type { Photo } from "../../catalog/photo.entity.js";
import { MAX_NEAR_DUPLICATES } from "../../catalog/near-duplicate-sql.js";
import type { NearDuplicate } from "../../catalog/product-repository.js";
import type { RequestContext } from "../context.js";
import { NearDuplicatePhotoType } from "./near-duplicate-photo.type.js";
import { PhotoType } from "./photo.type.js";

/** Where the HTTP server serves stored photos (see server/). */
export const PHOTO_ROUTE = "/uploads";

@Resolver(() => PhotoType)
export class PhotoResolver {
  @Query(() => PhotoType, { description: "One photo by id; NOT_FOUND when there is none." })
  photo(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Photo> {
    return ctx.catalog.photo(id);
  }

  @FieldResolver(() => String, { description: "Absolute URL the photo is served from." })
  url(@Root() photo: Photo, @Ctx() ctx: RequestContext): string {
    return `${ctx.publicUrl}${PHOTO_ROUTE}/${photo.storageKey}`;
  }

  @FieldResolver(() => [NearDuplicatePhotoType], {
    description:
      `Other photos that look the same (re-encoded, resized, slightly cropped): perceptual hashes at most NEAR_DUPLICATE_MAX_DISTANCE bits apart, ` +
      `closest first, at most ${MAX_NEAR_DUPLICATES}. Empty for photos stored before perceptual hashing. Batched per request.`,
  })
  nearDuplicates(@Root() photo: Photo, @Ctx() ctx: RequestContext): Promise<NearDuplicate[]> {
    return ctx.loaders.nearDuplicatesByPhotoId.load(photo.id);
  }
}
