import { Arg, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import type { ImportProgress } from "../../imports/import-service.js";
import { RequiresScope } from "../auth/requires-scope.js";
import type { RequestContext } from "../context.js";
import { ImportItemInput, ImportProgressType, ProductImportType } from "./import.type.js";
import { importProgressView, importView } from "./import-view.js";
import { MAX_IMPORT_ITEMS } from "../../imports/import-items.js";

@Resolver()
export class ImportProductsResolver {
  @RequiresScope("write")
  @Mutation(() => ProductImportType, {
    description:
      `Imports up to ${MAX_IMPORT_ITEMS} products by image URL, as durable background jobs; returns the import at once. ` +
      "An item whose externalId (else sourceUrl) is known updates that product, and an image whose bytes it already has is not analysed again (SKIPPED). " +
      "Follow it with importProgress, list its items with productImport.",
  })
  async importProducts(@Arg("items", () => [ImportItemInput]) items: ImportItemInput[], @Ctx() ctx: RequestContext): Promise<ProductImportType> {
    return importView(await ctx.imports.start(items, ctx.auth.key?.id ?? null));
  }

  @RequiresScope("read")
  @Query(() => ProductImportType, { description: "One import by id, with its counts and items; NOT_FOUND when there is none." })
  async productImport(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ProductImportType> {
    return importView(await ctx.imports.counts(id));
  }

  @RequiresScope("read")
  @Subscription(() => ImportProgressType, {
    description: "An import's progress: its counts at once, then an event per item that moves (each failure with its code), until every item has settled.",
    subscribe: ({ args, context }) => (context as RequestContext).imports.watch(String(args.importId)),
  })
  importProgress(@Root() progress: ImportProgress, @Arg("importId", () => ID) _importId: string): ImportProgressType {
    return importProgressView(progress);
  }
}
