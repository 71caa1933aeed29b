import { ArgsType, Field, Float, GraphQLISODateTime, InputType, Int } from "type-graphql";
import type { SimilarityRequest } from "../../catalog/similarity-service.js";

@InputType("ProductFilter", { description: "Narrows results; every field given must hold." })
export class ProductFilterInput {
  @Field(() => String, { nullable: true, description: "The product shows this kind of object (cup, sofa…; synonyms count)." })
  objectType?: string | null;

  @Field(() => String, { nullable: true, description: "The product has this colour (red, navy…)." })
  color?: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "Only products added after this time." })
  createdAfter?: Date | null;
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
    return { limit, minScore, objectType: filter?.objectType ?? null, color: filter?.color ?? null, createdAfter: filter?.createdAfter ?? null };
  }
}
