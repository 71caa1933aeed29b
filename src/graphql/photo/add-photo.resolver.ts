import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { GraphQLUpload, type FileUpload } from "graphql-upload-minimal";
import type { Photo } from "../../catalog/photo.entity.js";
import type { RequestContext } from "../context.js";
import { toIncomingFile } from "../upload.js";
import { PhotoType } from "./photo.type.js";
import { RequiresScope } from "../auth/requires-scope.js";

@Resolver()
export class AddPhotoResolver {
  @RequiresScope("write")
  @Mutation(() => PhotoType, {
    description:
      "Adds another photo to a product (multipart request): analysed like the first, after which the product's tags, caption and look follow all its photos. " +
      "The upload errors of addProduct apply; NOT_FOUND when there is no such product.",
  })
  async addPhoto(@Arg("productId", () => ID) productId: string, @Arg("image", () => GraphQLUpload) image: FileUpload, @Ctx() ctx: RequestContext): Promise<Photo> {
    const photo = await ctx.catalog.addPhoto(productId, toIncomingFile(image));
    ctx.queuedAnalyses.push(photo.product.id); // counted against the key's pending analyses (server/limits/rate/)
    return photo;
  }
}
