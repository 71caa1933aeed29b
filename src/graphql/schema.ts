import "reflect-metadata";
import { buildSchema } from "type-graphql";
import type { GraphQLSchema } from "graphql";
import { PhotoResolver } from "./photo/photo.resolver.js";
import { AddProductResolver } from "./product/add-product.resolver.js";
import { ProductResolver } from "./product/product.resolver.js";
import { FindSimilarProductsResolver } from "./search/find-similar-products.resolver.js";
import { SearchResolver } from "./search/search.resolver.js";

export const resolvers = [ProductResolver, AddProductResolver, PhotoResolver, FindSimilarProductsResolver, SearchResolver] as const;

export function buildLookalikeSchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers, validate: false });
}
