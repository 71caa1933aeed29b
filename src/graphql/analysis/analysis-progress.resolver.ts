import { Arg, Ctx, ID, Resolver, Root, Subscription } from "type-graphql";
import type { AnalysisEvent } from "../../analysis/progress.js";
import type { Product } from "../../catalog/product.entity.js";
import { BadUserInputError } from "../../errors.js";
import type { RequestContext } from "../context.js";
import { ProductType } from "../product/product.type.js";
import { AnalysisProgressType } from "./analysis.type.js";
import { progressView } from "./analysis-view.js";
import { RequiresScope } from "../auth/requires-scope.js";

interface ProgressArgs {
  productId?: string | null;
  requestId?: string | null;
}

@Resolver()
export class AnalysisProgressResolver {
  @RequiresScope("read")
  @Subscription(() => AnalysisProgressType, {
    description:
      "Progress of a product's analysis (productId: the current state at once, then every stage until READY or FAILED), " +
      "or of a findSimilarProducts query (requestId: subscribe before sending the query).",
    subscribe: ({ args, context }) => watch(args as ProgressArgs, context as RequestContext),
  })
  analysisProgress(
    @Root() event: AnalysisEvent,
    @Arg("productId", () => ID, { nullable: true }) _productId: string | null,
    @Arg("requestId", () => String, { nullable: true }) _requestId: string | null,
  ): AnalysisProgressType {
    return progressView(event);
  }

  @RequiresScope("read")
  @Subscription(() => ProductType, {
    description: "Products as their analysis completes (READY).",
    subscribe: ({ context }) => (context as RequestContext).analysis.watchReadyProducts(),
  })
  productAdded(@Root() event: { productId: string }, @Ctx() ctx: RequestContext): Promise<Product> {
    return ctx.loaders.productById.load(event.productId);
  }

  @RequiresScope("read")
  @Subscription(() => ID, {
    description: "The ids of products as they are deleted (deleteProduct), from any API process.",
    subscribe: ({ context }) => (context as RequestContext).analysis.watchRemovedProducts(),
  })
  productRemoved(@Root() event: { productId: string }): string {
    return event.productId;
  }
}

function watch(args: ProgressArgs, context: RequestContext) {
  if (Boolean(args.productId) === Boolean(args.requestId)) {
    throw new BadUserInputError("Give exactly one of productId and requestId.", { argument: "productId" });
  }
  return args.productId ? context.analysis.watchProduct(args.productId) : context.analysis.watchQuery(args.requestId!);
}
