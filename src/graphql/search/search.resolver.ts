import { Arg, Args, Ctx, ID, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../context.js";
import { ProductMatchType } from "./product-match.type.js";
import { RankingArgs } from "./ranking.args.js";

@Resolver()
export class SearchResolver {
  @Query(() => [ProductMatchType], {
    description: "Products matching the words of the query (synonyms count: mug finds cup), by tags and by full text, best first.",
  })
  search(@Arg("query", () => String) query: string, @Args(() => RankingArgs) ranking: RankingArgs, @Ctx() ctx: RequestContext): Promise<ProductMatchType[]> {
    return ctx.similarity.search(query, RankingArgs.toRequest(ranking));
  }

  @Query(() => [ProductMatchType], { description: "Products that look like an existing one, from its stored analysis; it is not itself listed." })
  similarProducts(
    @Arg("productId", () => ID) productId: string,
    @Args(() => RankingArgs) ranking: RankingArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<ProductMatchType[]> {
    return ctx.similarity.similarProducts(productId, RankingArgs.toRequest(ranking));
  }
}
