import { Field, GraphQLISODateTime, ID, ObjectType, registerEnumType } from "type-graphql";
import type { Scope } from "../../auth/scopes.js";

/** GraphQL spells the scopes in capitals; everything else (the CLI, the database) in lower case. */
export const ApiKeyScopeEnum = { READ: "read", SEARCH: "search", WRITE: "write", ADMIN: "admin" } as const satisfies Record<string, Scope>;
registerEnumType(ApiKeyScopeEnum, {
  name: "ApiKeyScope",
  description: "What an API key may do.",
  valuesConfig: {
    READ: { description: "Queries and subscriptions." },
    SEARCH: { description: "findSimilarProducts, which uploads and analyses a photo." },
    WRITE: { description: "addProduct, retryAnalysis and the other mutations that change the catalogue." },
    ADMIN: { description: "Managing API keys." },
  },
});

@ObjectType("ApiKey", { description: "An API key. Its token is shown once, when it is created; only its hash is stored." })
export class ApiKeyType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: "The token's first characters, to tell keys apart." })
  prefix!: string;

  @Field(() => [ApiKeyScopeEnum])
  scopes!: Scope[];

  @Field(() => Boolean, { description: "Runs only the persisted documents of the SDK's manifest, when the server's TRUSTED_DOCUMENTS is keys (see README, Security)." })
  trustedDocumentsOnly!: boolean;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "Recorded at most once a minute." })
  lastUsedAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType("CreatedApiKey")
export class CreatedApiKeyType {
  @Field(() => ApiKeyType)
  key!: ApiKeyType;

  @Field(() => String, { description: "Send it as Authorization: Bearer <token>. Shown only this once." })
  token!: string;
}
