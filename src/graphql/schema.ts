import "reflect-metadata";
import { buildSchema, type PubSub } from "type-graphql";
import type { GraphQLSchema } from "graphql";
import { AnalysisProgressResolver } from "./analysis/analysis-progress.resolver.js";
import { ApiKeyResolver } from "./auth/api-key.resolver.js";
import { assertEveryOperationHasScope } from "./auth/requires-scope.js";
import { RetryAnalysisResolver } from "./analysis/retry-analysis.resolver.js";
import { PhotoResolver } from "./photo/photo.resolver.js";
import { AddPhotoResolver } from "./photo/add-photo.resolver.js";
import { RemovePhotoResolver } from "./photo/remove-photo.resolver.js";
import { AddProductResolver } from "./product/add-product.resolver.js";
import { DeleteProductResolver } from "./product/delete-product.resolver.js";
import { UpdateProductResolver } from "./product/update-product.resolver.js";
import { ProductResolver } from "./product/product.resolver.js";
import { FindSimilarProductsResolver } from "./search/find-similar-products.resolver.js";
import { ProductMatchResolver } from "./search/product-match.resolver.js";
import { SearchResolver } from "./search/search.resolver.js";
import { ImportProductsResolver } from "./import/import-products.resolver.js";
import { ImportItemResolver, ProductImportResolver } from "./import/product-import.resolver.js";

export const resolvers = [
  ProductResolver,
  AddProductResolver,
  DeleteProductResolver,
  UpdateProductResolver,
  PhotoResolver,
  AddPhotoResolver,
  RemovePhotoResolver,
  FindSimilarProductsResolver,
  ProductMatchResolver,
  SearchResolver,
  RetryAnalysisResolver,
  AnalysisProgressResolver,
  ImportProductsResolver,
  ProductImportResolver,
  ImportItemResolver,
  ApiKeyResolver,
] as const;

/**
 * type-graphql insists on a PubSub once there are subscriptions, but ours
 * stream from the event bus through their own `subscribe` functions.
 */
const noTopicPubSub: PubSub = {
  publish: () => {
    throw new Error("subscriptions publish through the event bus");
  },
  subscribe: () => {
    throw new Error("subscriptions subscribe through the event bus");
  },
};

export async function buildLookalikeSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({ resolvers, validate: false, pubSub: noTopicPubSub });
  assertEveryOperationHasScope(schema);
  return schema;
}
