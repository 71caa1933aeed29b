import type { ApolloServerPlugin } from "@apollo/server";
import { authorize } from "../../auth/request-auth.js";
import type { RequestContext } from "../../graphql/context.js";
import { scopeRequirements } from "../../graphql/auth/requires-scope.js";
import { toRefusal } from "./refusal.js";

/**
 * Checks the key against every root field's scope once the operation is
 * known and before anything runs: a refused multipart request has its files
 * drained unread (server/drain-uploads.ts), so nothing is stored.
 */
export function requireScopesPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation, schema }) {
          try {
            // Apollo has refused a request without an operation before this hook; a key is still required then.
            authorize(contextValue.auth, operation ? scopeRequirements(schema, document, operation) : []);
          } catch (error) {
            throw toRefusal(error) ?? error;
          }
        },
      };
    },
  };
}
