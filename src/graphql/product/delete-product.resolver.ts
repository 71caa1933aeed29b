import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import type { RequestContext } from "../context.js";
import { RequiresScope } from "../auth/requires-scope.js";

@Resolver()
export class DeleteProductResolver {
  @RequiresScope("write")
  @Mutation(() => ID, {
    description:
      "Removes a product: its photos (rows and stored files), analyses (queued ones are dropped), tags and vectors; subscribers of productRemoved are told. " +
      "Returns its id; NOT_FOUND when there is no such product (a second delete).",
  })
  deleteProduct(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<string> {
    return ctx.catalog.deleteProduct(id);
  }
}
