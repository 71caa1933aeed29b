import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from "type-graphql";
import type { Product } from "../../catalog/product.entity.js";
import { NotFoundError } from "../../errors.js";
import type { ImportItemStatus } from "../../imports/import-repository.js";
import type { RequestContext } from "../context.js";
import { ProductType } from "../product/product.type.js";
import { ImportItemStatusEnum, ImportItemType, ProductImportType } from "./import.type.js";
import { importItemView } from "./import-view.js";

const DEFAULT_ITEMS = 100;

@Resolver(() => ProductImportType)
export class ProductImportResolver {
  @FieldResolver(() => [ImportItemType], { description: `The import's items in order, the first ${DEFAULT_ITEMS} unless asked for more; page on with afterIndex.` })
  async items(
    @Root() productImport: ProductImportType,
    @Ctx() ctx: RequestContext,
    @Arg("first", () => Int, { defaultValue: DEFAULT_ITEMS, description: "From 1 to 1000." }) first: number,
    @Arg("afterIndex", () => Int, { nullable: true, description: "Items after this index." }) afterIndex?: number | null,
    @Arg("status", () => ImportItemStatusEnum, { nullable: true, description: "Only items standing here (FAILED: the failures, with their codes)." })
    status?: ImportItemStatus | null,
  ): Promise<ImportItemType[]> {
    const items = await ctx.imports.items(productImport.id, { first, afterIndex: afterIndex ?? null, status: status ?? null });
    return items.map(importItemView);
  }
}

@Resolver(() => ImportItemType)
export class ImportItemResolver {
  @FieldResolver(() => ProductType, { nullable: true, description: "The product the item created or updated; null before it is written, when it failed, or once deleted." })
  async product(@Root() item: ImportItemType, @Ctx() ctx: RequestContext): Promise<Product | null> {
    if (!item.productId) return null;
    try {
      return await ctx.loaders.productById.load(item.productId);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }
}
