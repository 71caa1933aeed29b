import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { ApiKeyRecord } from "../../auth/api-key-store.js";
import type { Scope } from "../../auth/scopes.js";
import type { RequestContext } from "../context.js";
import { ApiKeyScopeEnum, ApiKeyType, CreatedApiKeyType } from "./api-key.type.js";
import { RequiresScope } from "./requires-scope.js";

/** Key management: the admin scope, needed even with AUTH=off (see auth/request-auth.ts). */
@Resolver()
export class ApiKeyResolver {
  @RequiresScope("admin")
  @Query(() => [ApiKeyType], { description: "API keys, newest first; revoked ones too when asked." })
  apiKeys(@Arg("includeRevoked", () => Boolean, { defaultValue: false }) includeRevoked: boolean, @Ctx() ctx: RequestContext): Promise<ApiKeyRecord[]> {
    return ctx.apiKeys.list({ includeRevoked });
  }

  @RequiresScope("admin")
  @Mutation(() => CreatedApiKeyType, { description: "Creates a key and returns its token, once. DUPLICATE_API_KEY_NAME when a key in use has the name." })
  createApiKey(
    @Arg("name", () => String) name: string,
    @Arg("scopes", () => [ApiKeyScopeEnum]) scopes: Scope[],
    @Ctx() ctx: RequestContext,
    @Arg("trustedDocumentsOnly", () => Boolean, { defaultValue: false, description: "The key may run only persisted documents (a first-party frontend)." })
    trustedDocumentsOnly: boolean,
  ): Promise<CreatedApiKeyType> {
    return ctx.apiKeys.create(name, scopes, { trustedDocumentsOnly });
  }

  @RequiresScope("admin")
  @Mutation(() => ApiKeyType, { description: "Revokes a key at once (revoking twice keeps the first time); NOT_FOUND when there is none." })
  revokeApiKey(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ApiKeyRecord> {
    return ctx.apiKeys.revoke(id);
  }
}
