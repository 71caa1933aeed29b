import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import type { Product } from "../../catalog/product.entity.js";
import type { RequestContext } from "../context.js";
import { ProductType } from "../product/product.type.js";
import { RequiresScope } from "../auth/requires-scope.js";

@Resolver()
export class RemovePhotoResolver {
  @RequiresScope("write")
  @Mutation(() => ProductType, {
    description:
      "Removes one of a product's photos (its file, analysis and vector); the product's tags and caption follow the photos left. " +
      "Returns the product. LAST_PHOTO for its only photo (delete the product instead); NOT_FOUND when there is no such photo.",
  })
  removePhoto(@Arg("photoId", () => ID) photoId: string, @Ctx() ctx: RequestContext): Promise<Product> {
    return ctx.catalog.removePhoto(photoId);
  }
}
