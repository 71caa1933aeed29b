import { type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, Kind, type OperationDefinitionNode, type SelectionSetNode } from "graphql";
import { Extensions } from "type-graphql";
import type { ScopeRequirement } from "../../auth/request-auth.js";
import { isScope, type Scope } from "../../auth/scopes.js";

/**
 * The scope a root field (query, mutation or subscription) needs, written
 * next to its resolver and kept in the field's extensions. The server checks
 * every root field of an operation before running any of it
 * (server/require-scopes-plugin.ts, server/subscriptions-auth.ts), so a
 * refused request runs nothing, stores nothing and reads no upload.
 */
const EXTENSION = "requiredScope";

export const RequiresScope = (scope: Scope) => Extensions({ [EXTENSION]: scope });

type RootType = NonNullable<ReturnType<GraphQLSchema["getQueryType"]>>;
const rootTypes = (schema: GraphQLSchema) => [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((t): t is RootType => !!t);

/** Every root field and its scope, "Query.products" → "read"; null for a field that declares none. */
export function scopesOfSchema(schema: GraphQLSchema): Map<string, Scope | null> {
  const scopes = new Map<string, Scope | null>();
  for (const type of rootTypes(schema)) {
    for (const field of Object.values(type.getFields())) {
      const declared = field.extensions[EXTENSION];
      scopes.set(`${type.name}.${field.name}`, typeof declared === "string" && isScope(declared) ? declared : null);
    }
  }
  return scopes;
}

/** Fails at start when an operation was added without a scope: nothing is open by omission. */
export function assertEveryOperationHasScope(schema: GraphQLSchema): void {
  const missing = [...scopesOfSchema(schema)].filter(([, scope]) => scope === null).map(([field]) => field);
  if (missing.length > 0) throw new Error(`These operations declare no scope (@RequiresScope): ${missing.join(", ")}`);
}

/**
 * The root fields an operation selects, through fragments, each with its
 * scope. @skip and @include are ignored: a field that may run needs its scope.
 * Meta fields (__typename, __schema, __type) need none.
 */
export function scopeRequirements(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): ScopeRequirement[] {
  const root = schema.getRootType(operation.operation);
  if (!root) return [];
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const names = new Set<string>();
  const visited = new Set<string>();
  const collect = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value); // cycles are refused by validation, but this may run first
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);
  const fields = root.getFields();
  return [...names]
    .filter((name) => !name.startsWith("__") && fields[name])
    .map((name) => {
      const declared = fields[name]!.extensions[EXTENSION];
      if (typeof declared !== "string" || !isScope(declared)) throw new Error(`${root.name}.${name} declares no scope`);
      return { field: name, scope: declared };
    });
}
