import { Field, Float, ObjectType } from "type-graphql";
import { ImageFeaturesType } from "../features/image-features.type.js";
import { ProductType } from "../product/product.type.js";

@ObjectType("TagContribution", { description: "How much one matched tag (or the full-text match) gave a product's score." })
export class TagContributionType {
  @Field(() => String, { description: "A tag such as object:cup, or full-text for a search's text match." })
  tag!: string;

  @Field(() => Float, { description: "Its part of the score; a product's contributions add up to its score." })
  share!: number;
}

@ObjectType("ProductMatch", { description: "A product, ranked by how well it matches the query, and why." })
export class ProductMatchType {
  @Field(() => ProductType)
  product!: object;

  @Field(() => Float, {
    description:
      "From 0 to 1. By photo or product: the weighted share of the query's tags the product carries (rare tags, objects and sure tags weigh more). " +
      "By words: tag and full-text rankings fused by reciprocal rank.",
  })
  score!: number;

  @Field(() => [String], { description: "The query tags the product carries." })
  matchedTags!: string[];

  @Field(() => [TagContributionType], { description: "Largest first." })
  contributions!: TagContributionType[];
}

@ObjectType("SimilarProducts", { description: "What the query photo shows, and the products that look like it." })
export class SimilarProductsType {
  @Field(() => ImageFeaturesType, { description: "The analysis of the query photo (which is not stored)." })
  queryFeatures!: object;

  @Field(() => [String], { description: "The query photo's tags, as scored." })
  queryTags!: string[];

  @Field(() => [ProductMatchType], { description: "Best first; ties go to the newest product." })
  matches!: ProductMatchType[];
}
