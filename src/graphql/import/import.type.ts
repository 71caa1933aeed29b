import { Field, GraphQLISODateTime, ID, InputType, Int, InterfaceType, ObjectType, registerEnumType } from "type-graphql";
import type { ImportItemStatus } from "../../imports/import-repository.js";
import { CodedErrorType } from "../coded-error.type.js";
import { ProductAttributeInput } from "../product/product.type.js";

export const ImportItemStatusEnum = {
  QUEUED: "QUEUED",
  FETCHING: "FETCHING",
  ANALYSING: "ANALYSING",
  DONE: "DONE",
  SKIPPED: "SKIPPED",
  FAILED: "FAILED",
} as const satisfies Record<ImportItemStatus, ImportItemStatus>;
registerEnumType(ImportItemStatusEnum, {
  name: "ImportItemStatus",
  description: "Where one item of an import stands.",
  valuesConfig: {
    QUEUED: { description: "Waiting for its job." },
    FETCHING: { description: "Its image is being fetched and checked." },
    ANALYSING: { description: "Its product is written; its photo is being analysed." },
    DONE: { description: "Its product is written and its photo analysed (READY)." },
    SKIPPED: { description: "Its product already had this very image, analysed: the product's details were updated, nothing was analysed again." },
    FAILED: { description: "Refused or failed, with a code (error); nothing was stored for it." },
  },
});

@InputType("ImportItemInput", { description: "One product of a feed: its image by URL, its page, and the shop's details." })
export class ImportItemInput {
  @Field(() => String, { description: "The image, fetched by the server over http(s) from a public address, at most MAX_UPLOAD_BYTES." })
  imageUrl!: string;

  @Field(() => String, { description: "The product's page (http or https)." })
  sourceUrl!: string;

  @Field(() => String, { nullable: true, description: "The shop's SKU: an item with a known externalId (else a known sourceUrl) updates that product." })
  externalId?: string | null;

  @Field(() => String, { nullable: true, description: "Left out: a known product keeps its title." })
  title?: string | null;

  @Field(() => [ProductAttributeInput], { nullable: true, description: "Left out: a known product keeps its attributes; given: they replace them." })
  attributes?: ProductAttributeInput[] | null;
}

@ObjectType("ImportItemError", {
  implements: CodedErrorType,
  description:
    "Why an import item failed: IMPORT_URL_FORBIDDEN, IMPORT_FETCH_FAILED, a media code (UNSUPPORTED_MEDIA_TYPE…), a catalogue code (DUPLICATE_IMAGE…), BAD_USER_INPUT, or its analysis's code.",
})
export class ImportItemErrorType extends CodedErrorType {}

@ObjectType("ImportItem", { description: "One item of an import, as submitted, and where it stands." })
export class ImportItemType {
  @Field(() => Int, { description: "Its position in the submitted list, from 0." })
  index!: number;

  @Field(() => String)
  imageUrl!: string;

  @Field(() => String)
  sourceUrl!: string;

  @Field(() => String, { nullable: true })
  externalId!: string | null;

  @Field(() => ImportItemStatusEnum)
  status!: ImportItemStatus;

  @Field(() => ImportItemErrorType, { nullable: true })
  error!: ImportItemErrorType | null;

  @Field(() => Int, { description: "Runs of its job so far (a failed fetch worth retrying is tried again, with backoff)." })
  attempts!: number;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;

  /** For the product field's resolver. */
  productId!: string | null;
}

@InterfaceType("ImportState", { description: "How many of an import's items stand where: what ProductImport and ImportProgress share." })
export abstract class ImportStateType {
  @Field(() => Int, { description: "Items submitted." })
  total!: number;

  @Field(() => Int, { description: "Items queued, being fetched or being analysed." })
  pending!: number;

  @Field(() => Int)
  done!: number;

  @Field(() => Int)
  skipped!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Boolean, { description: "Whether every item has settled (DONE, SKIPPED or FAILED)." })
  finished!: boolean;
}

@ObjectType("ProductImport", { implements: ImportStateType, description: "A bulk import by URL (importProducts)." })
export class ProductImportType extends ImportStateType {
  @Field(() => ID)
  id!: string;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}

@ObjectType("ImportProgress", { implements: ImportStateType, description: "An import's counts as an item moves, and that item." })
export class ImportProgressType extends ImportStateType {
  @Field(() => ID)
  importId!: string;

  @Field(() => ImportItemType, { nullable: true, description: "The item that moved (null in the first event, the state at subscription)." })
  item!: ImportItemType | null;
}
