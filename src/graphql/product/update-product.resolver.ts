import { Arg, Ctx, Field, ID, InputType, Mutation, Resolver } from "type-graphql";
import type { Product } from "../../catalog/product.entity.js";
import type { RequestContext } from "../context.js";
import { RequiresScope } from "../auth/requires-scope.js";
import { ProductAttributeInput, ProductType } from "./product.type.js";

@InputType("UpdateProductInput", { description: "What to change: a field left out stays as it is; null clears externalId or title, and null or [] clears the attributes." })
export class UpdateProductInput {
  @Field(() => String, { nullable: true, description: "The product's page (http or https); unique; cannot be cleared." })
  sourceUrl?: string | null;

  @Field(() => String, { nullable: true, description: "The shop's own id (SKU); unique when given." })
  externalId?: string | null;

  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => [ProductAttributeInput], { nullable: true, description: "Replaces all the attributes (at most 20)." })
  attributes?: ProductAttributeInput[] | null;
}

@Resolver()
export class UpdateProductResolver {
  @RequiresScope("write")
  @Mutation(() => ProductType, {
    description: "Changes a product's page, SKU, title or attributes. DUPLICATE_SOURCE_URL or DUPLICATE_EXTERNAL_ID when another product has them; NOT_FOUND when there is no such product.",
  })
  updateProduct(@Arg("id", () => ID) id: string, @Arg("input", () => UpdateProductInput) input: UpdateProductInput, @Ctx() ctx: RequestContext): Promise<Product> {
    return ctx.catalog.updateProduct(id, input);
  }
}
