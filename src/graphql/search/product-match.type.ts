import { Field, Float, ObjectType } from "type-graphql";
import { ImageFeaturesType } from "../features/image-features.type.js";
import { ProductType } from "../product/product.type.js";

@ObjectType("ProductMatch", { description: "A product ranked by how many tags it shares with the query." })
export class ProductMatchType {
  @Field(() => ProductType)
  product!: object;

  @Field(() => Float, { description: "The number of query tags the product carries; higher is more similar." })
  score!: number;

  @Field(() => [String], { description: "The query tags the product carries." })
  matchedTags!: string[];
}

@ObjectType("SimilarProducts", { description: "What the query photo shows, and the products that look like it." })
export class SimilarProductsType {
  @Field(() => ImageFeaturesType, { description: "The analysis of the query photo (which is not stored)." })
  queryFeatures!: object;

  @Field(() => [String], { description: "The query photo's tags, as scored." })
  queryTags!: string[];

  @Field(() => [ProductMatchType], { description: "Most similar first; ties go to the newest product." })
  matches!: ProductMatchType[];
}
