import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import type { Photo } from "../../catalog/photo.entity.js";
import type { Product } from "../../catalog/product.entity.js";
import { encodeCursor } from "../../catalog/cursor.js";
import type { RequestContext } from "../context.js";
import { AnalysisType } from "../analysis/analysis.type.js";
import { analysisView } from "../analysis/analysis-view.js";
import { PhotoType } from "../photo/photo.type.js";
import { ProductConnectionType } from "./product-connection.type.js";
import { ProductAttributeType, ProductType } from "./product.type.js";
import { BadUserInputError } from "../../errors.js";
import { RequiresScope } from "../auth/requires-scope.js";

@Resolver(() => ProductType)
export class ProductResolver {
  @RequiresScope("read")
  @Query(() => ProductType, { description: "One product by id, or by the shop's externalId (exactly one of them); NOT_FOUND when there is none." })
  product(
    @Arg("id", () => ID, { nullable: true }) id: string | null,
    @Arg("externalId", () => String, { nullable: true }) externalId: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<Product> {
    if ((id == null) === (externalId == null)) throw new BadUserInputError("Give exactly one of id and externalId.", { argument: "id" });
    return id != null ? ctx.loaders.productById.load(id) : ctx.catalog.productByExternalId(externalId!);
  }

  @RequiresScope("read")
  @Query(() => ProductConnectionType, { description: "The catalogue, newest first." })
  async products(
    @Arg("first", () => Int, { defaultValue: 20 }) first: number,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ProductConnectionType> {
    const page = await ctx.catalog.products(first, after ?? null);
    return {
      edges: page.products.map((node) => ({ cursor: encodeCursor(node), node })),
      pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage },
    };
  }

  @FieldResolver(() => AnalysisType, { nullable: true, description: "The analysis of its latest photo; batched per request." })
  async analysis(@Root() product: Product, @Ctx() ctx: RequestContext): Promise<AnalysisType | null> {
    const analysis = await ctx.loaders.analysisByProductId.load(product.id);
    return analysis ? analysisView(analysis) : null;
  }

  @FieldResolver(() => [ProductAttributeType], { description: "The shop's own details, by name." })
  attributes(@Root() product: Product): ProductAttributeType[] {
    return Object.entries(product.attributes ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name, value }));
  }

  @FieldResolver(() => [PhotoType], { description: "Oldest first; batched per request, whatever the number of products." })
  photos(@Root() product: Product, @Ctx() ctx: RequestContext): Promise<Photo[]> {
    return ctx.loaders.photosByProductId.load(product.id);
  }
}
