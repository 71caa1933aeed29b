import { Field, ObjectType } from "type-graphql";
import { ProductType } from "./product.type.js";

@ObjectType("ProductEdge")
export class ProductEdgeType {
  @Field(() => String)
  cursor!: string;

  @Field(() => ProductType)
  node!: object;
}

@ObjectType("PageInfo")
export class PageInfoType {
  @Field(() => String, { nullable: true, description: "Pass as `after` to get the next page." })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;
}

@ObjectType("ProductConnection", { description: "A page of products, newest first." })
export class ProductConnectionType {
  @Field(() => [ProductEdgeType])
  edges!: ProductEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
}
