import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { BadUserInputError } from "../../errors.js";
import type { Photo } from "../../catalog/photo.entity.js";
import { MAX_NEAR_DUPLICATES } from "../../catalog/near-duplicate-sql.js";
import type { NearDuplicate } from "../../catalog/product-repository.js";
import type { RequestContext } from "../context.js";
import { NearDuplicatePhotoType } from "./near-duplicate-photo.type.js";
import { PhotoType } from "./photo.type.js";
import { RequiresScope } from "../auth/requires-scope.js";

const DEFAULT_NEAR_DUPLICATES = 10;

@Resolver(() => PhotoType)
export class PhotoResolver {
  @RequiresScope("read")
  @Query(() => PhotoType, { description: "One photo by id; NOT_FOUND when there is none." })
  photo(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Photo> {
    return ctx.catalog.photo(id);
  }

  @FieldResolver(() => String, {
    description: "Absolute URL the photo is served from: through this API (cacheable for a year), or, with PHOTO_URLS=presigned, a short-lived signed URL to object storage.",
  })
  url(@Root() photo: Photo, @Ctx() ctx: RequestContext): Promise<string> {
    return ctx.photoUrls.urlOf(photo.storageKey, ctx.publicUrl);
  }

  @FieldResolver(() => [NearDuplicatePhotoType], {
    description:
      `Other photos that look the same (re-encoded, resized, slightly cropped): perceptual hashes at most NEAR_DUPLICATE_MAX_DISTANCE bits apart, ` +
      `closest first, the first ${DEFAULT_NEAR_DUPLICATES} unless asked for more. Empty for photos stored before perceptual hashing. Batched per request.`,
  })
  async nearDuplicates(
    @Root() photo: Photo,
    // An argument so that queries are priced by it (server/limits/query-cost.ts): nesting nearDuplicates multiplies by it.
    @Arg("first", () => Int, { defaultValue: DEFAULT_NEAR_DUPLICATES, description: `From 1 to ${MAX_NEAR_DUPLICATES}.` }) first: number,
    @Ctx() ctx: RequestContext,
  ): Promise<NearDuplicate[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_NEAR_DUPLICATES) {
      throw new BadUserInputError(`first must be a whole number from 1 to ${MAX_NEAR_DUPLICATES}.`, { argument: "first" });
    }
    return (await ctx.loaders.nearDuplicatesByPhotoId.load(photo.id)).slice(0, first);
  }
}
