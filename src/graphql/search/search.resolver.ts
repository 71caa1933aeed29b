import { Arg, Args, Ctx, ID, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../context.js";
import { ProductMatchType } from "./product-match.type.js";
import { RankingArgs, SimilarityArgs } from "./ranking.args.js";
import { VisualIndexType } from "./visual-index.type.js";
import { RequiresScope } from "../auth/requires-scope.js";

@Resolver()
export class SearchResolver {
  @RequiresScope("read")
  @Query(() => [ProductMatchType], {
    description: "Products matching the words of the query (synonyms count: mug finds cup), by tags and by full text, best first.",
  })
  search(@Arg("query", () => String) query: string, @Args(() => RankingArgs) ranking: RankingArgs, @Ctx() ctx: RequestContext): Promise<ProductMatchType[]> {
    return ctx.similarity.search(query, RankingArgs.toRequest(ranking));
  }

  @RequiresScope("read")
  @Query(() => [ProductMatchType], { description: "Products that look like an existing one, from its stored analysis and photos; it is not itself listed." })
  similarProducts(
    @Arg("productId", () => ID) productId: string,
    @Args(() => SimilarityArgs) ranking: SimilarityArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<ProductMatchType[]> {
    return ctx.similarity.similarProducts(productId, SimilarityArgs.toSimilarityRequest(ranking));
  }

  @RequiresScope("read")
  @Query(() => VisualIndexType, { description: "The state of visual search: which embedding model, how many photos have a vector (the backfill's progress), and its lists." })
  visualIndex(@Ctx() ctx: RequestContext): Promise<VisualIndexType> {
    return ctx.similarity.visualIndexStatus();
  }
}
