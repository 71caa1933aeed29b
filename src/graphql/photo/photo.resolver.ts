import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import type { Photo } from "../../catalog/photo.entity.js";
import type { RequestContext } from "../context.js";
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
}
