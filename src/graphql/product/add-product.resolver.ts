import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { GraphQLUpload, type FileUpload } from "graphql-upload-minimal";
import type { Product } from "../../catalog/product.entity.js";
import type { RequestContext } from "../context.js";
import { toIncomingFile } from "../upload.js";
import { ProductType } from "./product.type.js";
import { RequiresScope } from "../auth/requires-scope.js";

@Resolver()
export class AddProductResolver {
  @RequiresScope("write")
  @Mutation(() => ProductType, {
    description: "Uploads a product photo (multipart request), analyses it into tags and stores the product.",
  })
  async addProduct(
    @Arg("sourceUrl", () => String, { description: "The product's page (http or https); unique." }) sourceUrl: string,
    @Arg("image", () => GraphQLUpload) image: FileUpload,
    @Ctx() ctx: RequestContext,
  ): Promise<Product> {
    const product = await ctx.catalog.addProduct(sourceUrl, toIncomingFile(image));
    ctx.queuedAnalyses.push(product.id); // counted against the key's pending analyses (server/limits/rate/)
    return product;
  }
}
