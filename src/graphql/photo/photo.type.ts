import { Field, GraphQLISODateTime, ID, Int, ObjectType } from "type-graphql";
import { ImageFeaturesType } from "../features/image-features.type.js";

@ObjectType("Photo", { description: "An uploaded product photo and what its analysis found." })
export class PhotoType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "The detected media type, from the file's bytes." })
  mimeType!: string;

  @Field(() => Int)
  width!: number;

  @Field(() => Int)
  height!: number;

  @Field(() => Int, { description: "Size of the stored file in bytes." })
  byteSize!: number;

  @Field(() => String, { description: "SHA-256 of the file, lower-case hex." })
  sha256!: string;

  @Field(() => ImageFeaturesType, { nullable: true, description: "Null until the photo's analysis is READY." })
  features!: object | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}
