import { Field, GraphQLISODateTime, ID, ObjectType } from "type-graphql";

@ObjectType("Product", { description: "A product of the catalogue, known by the page it comes from and its photos." })
export class ProductType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "The page the product comes from; unique in the catalogue." })
  sourceUrl!: string;

  @Field(() => [String], { description: "Normalised tags of its photos, as namespace:value (object:cup, color:red, text:sale)." })
  tags!: string[];

  @Field(() => String, {
    nullable: true,
    description: "One sentence describing the product's photos, from their analysis; null until an analysis gives one. Full-text search reads it.",
  })
  caption!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}
