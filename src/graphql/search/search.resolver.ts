import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../context.js";
import { ProductMatchType } from "./product-match.type.js";

@Resolver()
export class SearchResolver {
  @Query(() => [ProductMatchType], { description: "Products whose tags match the words of the query, best first." })
  search(
    @Arg("query", () => String) query: string,
    @Arg("limit", () => Int, { defaultValue: 10, description: "From 1 to 100." }) limit: number,
    @Ctx() ctx: RequestContext,
  ): Promise<ProductMatchType[]> {
    return ctx.catalog.search(query, limit);
  }
}
