import {
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isCompositeType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { ActualCost } from "./actual-cost.js";
import { FIELD_COSTS, LIST_SIZES, SIZE_ARGUMENTS } from "./field-costs.js";

/**
 * The calculated cost of an operation, before it runs (requested) and from
 * what it returned (actual). Weights are in field-costs.ts. This is the one
 * place a rate limiter by cost reads points from.
 */
export interface CostOptions {
  operationName?: string | null;
  variables?: Readonly<Record<string, unknown>> | null;
}

/**
 * Points an operation asks for: every list priced at the size it may return.
 * Fragments are priced once each (a fragment's cost does not depend on where
 * it is spread), so nested spreads cannot make this computation explode.
 */
export function requestedCost(schema: GraphQLSchema, document: DocumentNode, options: CostOptions = {}): number {
  const walk = prepare(schema, document, options);
  return walk ? walk.selectionCost(walk.rootType, walk.operation.selectionSet) : 0;
}

/**
 * Points an operation used: each field that returned something, lists at
 * their real length (Shopify's actualQueryCost; actual-cost.ts). It reads
 * no variables: what was returned is counted as it is.
 */
export function actualCost(schema: GraphQLSchema, document: DocumentNode, options: CostOptions, data: unknown): number {
  const operation = getOperationAST(document, options.operationName ?? undefined);
  const rootType = operation ? schema.getRootType(operation.operation) : undefined;
  if (!operation || !rootType) return 0;
  return new ActualCost(schema, document.definitions).of(rootType, operation.selectionSet, data);
}

/** Fails loudly at startup when field-costs.ts names a field the schema does not have. */
export function checkCostTable(schema: GraphQLSchema): void {
  for (const key of [...Object.keys(FIELD_COSTS), ...Object.keys(LIST_SIZES)]) {
    const [typeName, fieldName] = key.split(".");
    const type = schema.getType(typeName ?? "");
    const fields = type && "getFields" in type ? type.getFields() : {};
    if (!fieldName || !(fieldName in fields)) throw new Error(`field-costs.ts prices ${key}, which the schema does not have`);
  }
}

function prepare(schema: GraphQLSchema, document: DocumentNode, options: CostOptions) {
  const operation = getOperationAST(document, options.operationName ?? undefined);
  if (!operation) return null;
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return new CostWalk(schema, operation, rootType, fragments, coerceVariables(schema, operation, options.variables));
}

/** Variables as the resolvers will see them (defaults applied); empty when they do not coerce, and execution will refuse them anyway. */
function coerceVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: CostOptions["variables"]) {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], { ...variables });
  return coerced.coerced ?? {};
}

class CostWalk {
  private readonly fragmentCosts = new Map<string, number>();

  constructor(
    private readonly schema: GraphQLSchema,
    readonly operation: OperationDefinitionNode,
    readonly rootType: GraphQLCompositeType,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
  ) {}

  selectionCost(parent: GraphQLCompositeType, selectionSet: SelectionSetNode): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        total += this.fieldCost(parent, selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += this.selectionCost(this.typeOf(selection.typeCondition?.name.value) ?? parent, selection.selectionSet);
      } else {
        total += this.fragmentCost(selection.name.value);
      }
    }
    return total;
  }

  private fieldCost(parent: GraphQLCompositeType, node: FieldNode): number {
    const field = this.fieldOf(parent, node);
    if (!field) return 0; // __typename, or introspection (off in production, and left out of limits)
    const type = getNamedType(field.type);
    const own = FIELD_COSTS[`${parent.name}.${field.name}`] ?? (isCompositeType(type) ? 1 : 0);
    if (!node.selectionSet || !isCompositeType(type)) return own;
    return own + this.sizeOf(parent, field, node) * this.selectionCost(type, node.selectionSet);
  }

  /** The `first`/`limit` the field was given (or its default), else the list's nominal size, else 1. */
  private sizeOf(parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, node: FieldNode): number {
    const sizeArgument = field.args.find((argument) => (SIZE_ARGUMENTS as readonly string[]).includes(argument.name));
    const nominal = LIST_SIZES[`${parent.name}.${field.name}`];
    if (sizeArgument) {
      const size = this.argumentsOf(field, node)[sizeArgument.name];
      if (typeof size === "number" && Number.isFinite(size)) return Math.max(0, size);
    }
    return nominal ?? 1;
  }

  private argumentsOf(field: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
    try {
      return getArgumentValues(field, node, this.variables);
    } catch {
      return {}; // arguments that do not coerce: execution refuses them
    }
  }

  private fragmentCost(name: string): number {
    const known = this.fragmentCosts.get(name);
    if (known !== undefined) return known;
    const fragment = this.fragments.get(name);
    const type = this.typeOf(fragment?.typeCondition.name.value);
    this.fragmentCosts.set(name, 0); // a cycle (refused by validation) counts nothing rather than looping
    const cost = fragment && type ? this.selectionCost(type, fragment.selectionSet) : 0;
    this.fragmentCosts.set(name, cost);
    return cost;
  }

  private fieldOf(parent: GraphQLCompositeType, node: FieldNode): GraphQLField<unknown, unknown> | undefined {
    if (node.name.value.startsWith("__") || !("getFields" in parent)) return undefined;
    return parent.getFields()[node.name.value];
  }

  private typeOf(name: string | undefined): GraphQLCompositeType | undefined {
    const type = name ? this.schema.getType(name) : undefined;
    return type && isCompositeType(type) ? type : undefined;
  }
}
