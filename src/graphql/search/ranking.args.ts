import { ArgsType, Field, Float, GraphQLISODateTime, InputType, Int, registerEnumType } from "type-graphql";
import type { RankingSignal } from "../../search/hybrid-ranking.js";
import type { SimilarityRequest } from "../../search/similarity-service.js";
import { ProductAttributeInput } from "../product/product.type.js";

export const RankingSignalEnum = { HYBRID: "HYBRID", VISUAL: "VISUAL", TAGS: "TAGS" } as const satisfies Record<RankingSignal, RankingSignal>;
registerEnumType(RankingSignalEnum, {
  name: "RankingSignal",
  description: "What a ranking by photo or product goes by.",
  valuesConfig: {
    HYBRID: { description: "How the products look and the tags they share, in one score (visualScore and tagScore say how much of each)." },
    VISUAL: { description: "How the products look alone: their photos' embeddings." },
    TAGS: { description: "The weighted tags they share alone, exact and explained by contributions." },
  },
});

@InputType("ProductFilter", { description: "Narrows results; every field given must hold." })
export class ProductFilterInput {
  @Field(() => String, { nullable: true, description: "The product shows this kind of object (cup, sofa…; synonyms count)." })
  objectType?: string | null;

  @Field(() => String, { nullable: true, description: "The product has this colour (red, navy…)." })
  color?: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "Only products added after this time." })
  createdAfter?: Date | null;

  @Field(() => [ProductAttributeInput], {
    nullable: true,
    description: "Only products with every one of these attributes, each with exactly this value (case and all). An empty list filters nothing.",
  })
  attributes?: ProductAttributeInput[] | null;
}

/** The arguments every ranking takes. */
@ArgsType()
export class RankingArgs {
  @Field(() => Int, { defaultValue: 10, description: "From 1 to 100." })
  limit!: number;

  @Field(() => Float, { defaultValue: 0, description: "From 0 to 1: leave out weaker matches (0 keeps any product sharing a tag)." })
  minScore!: number;

  @Field(() => ProductFilterInput, { nullable: true })
  filter?: ProductFilterInput | null;

  static toRequest(args: RankingArgs): SimilarityRequest {
    const { limit, minScore, filter } = args;
    return {
      limit,
      minScore,
      objectType: filter?.objectType ?? null,
      color: filter?.color ?? null,
      createdAfter: filter?.createdAfter ?? null,
      attributes: filter?.attributes ?? null,
    };
  }
}

/** Rankings by photo or product, which can go by look, tags or both. */
@ArgsType()
export class SimilarityArgs extends RankingArgs {
  @Field(() => RankingSignalEnum, { defaultValue: "HYBRID", description: "Which signal ranks. Duplicates of the query come first under HYBRID and VISUAL." })
  by!: RankingSignal;

  static toSimilarityRequest(args: SimilarityArgs): SimilarityRequest {
    return { ...RankingArgs.toRequest(args), by: args.by };
  }
}
