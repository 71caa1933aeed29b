import { Field, InterfaceType } from "type-graphql";

/**
 * An error reported inside the data rather than in `errors` (an analysis's,
 * an import item's): the stable code GraphQL errors carry, and a message.
 * One interface, so a client can read any of them with one fragment.
 */
@InterfaceType("CodedError", { description: "An error reported in the data: a stable code, as in GraphQL errors' extensions.code, and a message." })
export abstract class CodedErrorType {
  @Field(() => String, { description: "A stable code, as in GraphQL errors' extensions.code." })
  code!: string;

  @Field(() => String)
  message!: string;
}
