import { Field, Int, ObjectType } from "type-graphql";

@ObjectType("VisualIndex", { description: "Visual search's state. embeddedPhotos < photos while the backfill runs." })
export class VisualIndexType {
  @Field(() => String, { description: "The embedding model's id: vectors of another model are re-embedded by the backfill." })
  model!: string;

  @Field(() => Int)
  dimension!: number;

  @Field(() => Int, { description: "Photos in the catalogue." })
  photos!: number;

  @Field(() => Int, { description: "Photos with a vector of this model." })
  embeddedPhotos!: number;

  @Field(() => Int, { description: "IVF lists searched by nearest centroid; 0 while every vector is scanned (a small catalogue)." })
  lists!: number;

  @Field(() => Int, { description: "How many vectors the lists were trained on." })
  trainedOn!: number;
}
