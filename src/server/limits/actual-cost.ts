import {
  getNamedType,
  isCompositeType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";
import { FIELD_COSTS } from "./field-costs.js";

/** One field of a selection as the actual cost reads it from the response. */
interface FieldEntry {
  /** Where the field is in the response: its alias, or its name. */
  key: string;
  own: number;
  /** Set for an object field with a selection: what is under it counts too. */
  child: { type: GraphQLCompositeType; selectionSet: SelectionSetNode } | null;
}

/**
 * A selection set's fields, fragments spread in, per parent type. Keyed by
 * the document's own nodes: Apollo keeps a parsed document and hands the
 * same one to every request with the same text, so a query sent again is
 * not walked again, and the entries go with the document.
 */
const entriesCache = new WeakMap<SelectionSetNode, Map<GraphQLCompositeType, FieldEntry[]>>();

/**
 * Points an operation used, read from what it returned: each field that
 * returned something, lists at their real length (Shopify's actualQueryCost).
 * A fragment spread twice in one selection counts once, as graphql-js runs
 * it once; that also keeps this walk linear in the response, where
 * fragments each spreading the next twice would have made it exponential.
 */
export class ActualCost {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();

  constructor(private readonly schema: GraphQLSchema, definitions: readonly { kind: Kind }[]) {
    for (const definition of definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        const fragment = definition as FragmentDefinitionNode;
        this.fragments.set(fragment.name.value, fragment);
      }
    }
  }

  of(parent: GraphQLCompositeType, selectionSet: SelectionSetNode, data: unknown): number {
    if (!data || typeof data !== "object") return 0;
    const record = data as Record<string, unknown>;
    let total = 0;
    for (const entry of this.entries(parent, selectionSet)) {
      const value = record[entry.key];
      if (value === undefined) continue;
      total += entry.own;
      if (entry.child) total += this.items(entry.child.type, entry.child.selectionSet, value);
    }
    return total;
  }

  /** A list's items (lists of lists too), each priced by what it returned. */
  private items(type: GraphQLCompositeType, selectionSet: SelectionSetNode, value: unknown): number {
    if (!Array.isArray(value)) return this.of(type, selectionSet, value);
    let total = 0;
    for (const item of value) total += this.items(type, selectionSet, item);
    return total;
  }

  private entries(parent: GraphQLCompositeType, selectionSet: SelectionSetNode): FieldEntry[] {
    let byParent = entriesCache.get(selectionSet);
    if (!byParent) entriesCache.set(selectionSet, (byParent = new Map()));
    let entries = byParent.get(parent);
    if (!entries) {
      entries = [];
      this.collect(parent, selectionSet, entries, new Set());
      byParent.set(parent, entries);
    }
    return entries;
  }

  /** The fields of a selection set, through inline fragments and spreads (each fragment once, as graphql-js collects them). */
  private collect(parent: GraphQLCompositeType, selectionSet: SelectionSetNode, entries: FieldEntry[], spread: Set<string>): void {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        // __typename, or introspection (off in production, and left out of limits): free.
        if (selection.name.value.startsWith("__") || !("getFields" in parent)) continue;
        const field = parent.getFields()[selection.name.value];
        if (!field) continue;
        const type = getNamedType(field.type);
        const composite = isCompositeType(type);
        entries.push({
          key: selection.alias?.value ?? selection.name.value,
          own: FIELD_COSTS[`${parent.name}.${field.name}`] ?? (composite ? 1 : 0),
          child: composite && selection.selectionSet ? { type, selectionSet: selection.selectionSet } : null,
        });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        this.collect(this.typeOf(selection.typeCondition?.name.value) ?? parent, selection.selectionSet, entries, spread);
      } else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = this.fragments.get(selection.name.value);
        if (fragment) this.collect(this.typeOf(fragment.typeCondition.name.value) ?? parent, fragment.selectionSet, entries, spread);
      }
    }
  }

  private typeOf(name: string | undefined): GraphQLCompositeType | undefined {
    const type = name ? this.schema.getType(name) : undefined;
    return type && isCompositeType(type) ? type : undefined;
  }
}
