import { Field, Float, ObjectType, registerEnumType } from "type-graphql";
import type { DuplicateKind } from "../../search/hybrid-ranking.js";
import { ImageFeaturesType } from "../features/image-features.type.js";
import { ProductType } from "../product/product.type.js";

@ObjectType("TagContribution", { description: "How much one matched tag (or the full-text match) gave a product's score." })
export class TagContributionType {
  @Field(() => String, { description: "A tag such as object:cup, or full-text for a search's text match." })
  tag!: string;

  @Field(() => Float, { description: "Its part of the score; a product's contributions add up to its score." })
  share!: number;
}

export const DuplicateKindEnum = { EXACT: "EXACT", NEAR: "NEAR" } as const satisfies Record<DuplicateKind, DuplicateKind>;
registerEnumType(DuplicateKindEnum, {
  name: "DuplicateKind",
  description: "How a product duplicates the query photo.",
  valuesConfig: {
    EXACT: { description: "A photo with the very same bytes (sha256)." },
    NEAR: { description: "A re-encoded, resized, cropped or retouched copy (perceptual hash or embedding)." },
  },
});

@ObjectType("ProductMatch", { description: "A product, ranked by how well it matches the query, and why." })
export class ProductMatchType {
  @Field(() => ProductType)
  product!: object;

  @Field(() => Float, {
    description:
      "From 0 to 1. By photo or product: HYBRID weighs visualScore and tagScore (0.6 and 0.4), VISUAL is visualScore, TAGS is tagScore. " +
      "By words: tag and full-text rankings fused by reciprocal rank.",
  })
  score!: number;

  @Field(() => Float, { nullable: true, description: "From 0 to 1: how alike the product's closest photo and the query look (cosine of their embeddings); null when not used." })
  visualScore!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "From 0 to 1: the weighted share of the query's tags the product carries (rare tags, objects and sure tags weigh more); null when not used.",
  })
  tagScore!: number | null;

  @Field(() => DuplicateKindEnum, { nullable: true, description: "Set when the product duplicates the query photo: duplicates rank first." })
  duplicate!: DuplicateKind | null;

  @Field(() => [String], { description: "The query tags the product carries." })
  matchedTags!: string[];

  @Field(() => [TagContributionType], { description: "The tag score's parts (by words: the fused score's), largest first." })
  contributions!: TagContributionType[];
}

@ObjectType("SimilarProducts", { description: "What the query photo shows, and the products that look like it." })
export class SimilarProductsType {
  @Field(() => ImageFeaturesType, { description: "The analysis of the query photo (which is not stored)." })
  queryFeatures!: object;

  @Field(() => [String], { description: "The query photo's tags, as scored." })
  queryTags!: string[];

  @Field(() => [ProductMatchType], { description: "Duplicates of the query first, then best first; among equal scores the product with fewer extra tags, then the newest." })
  matches!: ProductMatchType[];
}
