import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import type { Product } from "../../catalog/product.entity.js";
import type { RequestContext } from "../context.js";
import { ProductType } from "../product/product.type.js";
import { RequiresScope } from "../auth/requires-scope.js";

@Resolver()
export class RetryAnalysisResolver {
  @RequiresScope("write")
  @Mutation(() => ProductType, { description: "Runs a FAILED analysis again; ANALYSIS_NOT_RETRYABLE otherwise." })
  retryAnalysis(@Arg("productId", () => ID) productId: string, @Ctx() ctx: RequestContext): Promise<Product> {
    return ctx.catalog.retryAnalysis(productId);
  }
}
