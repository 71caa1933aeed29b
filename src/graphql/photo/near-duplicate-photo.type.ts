import { Field, Int, ObjectType } from "type-graphql";
import { PhotoType } from "./photo.type.js";

@ObjectType("NearDuplicatePhoto", { description: "Another photo that looks the same: re-encoded, resized or slightly cropped." })
export class NearDuplicatePhotoType {
  @Field(() => PhotoType)
  photo!: object;

  @Field(() => Int, { description: "Bits in which the two perceptual hashes differ (Hamming distance): 0 is the same picture." })
  distance!: number;
}
