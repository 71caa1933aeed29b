import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { GraphQLUpload, type FileUpload } from "graphql-upload-minimal";
import type { Product } from "../../catalog/product.entity.js";
import type { RequestContext } from "../context.js";
import { toIncomingFile } from "../upload.js";
import { ProductAttributeInput, ProductType } from "./product.type.js";
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
    @Arg("externalId", () => String, { nullable: true, description: "The shop's own id (SKU), at most 200 characters; unique when given (DUPLICATE_EXTERNAL_ID)." })
    externalId?: string | null,
    @Arg("title", () => String, { nullable: true, description: "The shop's title, at most 500 characters; full-text search reads it." }) title?: string | null,
    @Arg("attributes", () => [ProductAttributeInput], { nullable: true, description: "The shop's own details (at most 20, each name once)." })
    attributes?: ProductAttributeInput[] | null,
  ): Promise<Product> {
    const product = await ctx.catalog.addProduct(sourceUrl, toIncomingFile(image), { externalId, title, attributes });
    ctx.queuedAnalyses.push(product.id); // counted against the key's pending analyses (server/limits/rate/)
    return product;
  }
}
