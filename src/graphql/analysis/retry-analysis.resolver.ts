import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import type { Product } from "../../catalog/product.entity.js";
import type { RequestContext } from "../context.js";
import { ProductType } from "../product/product.type.js";
import { RequiresScope } from "../auth/requires-scope.js";

@Resolver()
export class RetryAnalysisResolver {
  @RequiresScope("write")
  @Mutation(() => ProductType, { description: "Runs a FAILED analysis again; ANALYSIS_NOT_RETRYABLE otherwise." })
  async retryAnalysis(@Arg("productId", () => ID) productId: string, @Ctx() ctx: RequestContext): Promise<Product> {
    const product = await ctx.catalog.retryAnalysis(productId);
    ctx.queuedAnalyses.push(product.id); // counted against the key's pending analyses (server/limits/rate/)
    return product;
  }
}
