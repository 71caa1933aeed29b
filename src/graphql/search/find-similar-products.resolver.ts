import { Arg, Args, Ctx, Mutation, Resolver } from "type-graphql";
import { GraphQLUpload, type FileUpload } from "graphql-upload-minimal";
import type { RequestContext } from "../context.js";
import { toIncomingFile } from "../upload.js";
import { SimilarProductsType } from "./product-match.type.js";
import { SimilarityArgs } from "./ranking.args.js";
import { RequiresScope } from "../auth/requires-scope.js";

@Resolver()
export class FindSimilarProductsResolver {
  @RequiresScope("search")
  @Mutation(() => SimilarProductsType, {
    description: "Analyses a query photo (multipart request; not stored) and returns the products that look most like it.",
  })
  async findSimilarProducts(
    @Arg("image", () => GraphQLUpload) image: FileUpload,
    @Args(() => SimilarityArgs) ranking: SimilarityArgs,
    @Arg("requestId", () => String, {
      nullable: true,
      description: "Chosen by the client to watch this query's progress with analysisProgress(requestId).",
    })
    requestId: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<SimilarProductsType> {
    const found = await ctx.similarity.findSimilarProducts(toIncomingFile(image), SimilarityArgs.toSimilarityRequest(ranking), requestId ?? null);
    return { queryFeatures: found.features, queryTags: found.tags, matches: found.matches };
  }
}
