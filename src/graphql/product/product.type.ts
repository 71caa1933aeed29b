import { Field, GraphQLISODateTime, ID, InputType, ObjectType } from "type-graphql";

@ObjectType("ProductAttribute", { description: "One of the shop's own details of a product (brand, size…)." })
export class ProductAttributeType {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  value!: string;
}

@InputType("ProductAttributeInput", { description: "A detail of the shop's: a name (at most 64 characters) and a string value (at most 256)." })
export class ProductAttributeInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  value!: string;
}

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

  @Field(() => String, { nullable: true, description: "The shop's own id for the product (its SKU); unique when given." })
  externalId!: string | null;

  @Field(() => String, { nullable: true, description: "The shop's title for the product; full-text search reads it." })
  title!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}
