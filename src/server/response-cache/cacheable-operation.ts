import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from "graphql";

/**
 * Root fields whose answer is the catalogue's alone: the same for every
 * anonymous caller, and stale only after a catalogue write. Whatever is not
 * listed is never cached: apiKeys (per key), productImport (moves as its
 * items do, and its tables are not the catalogue's), visualIndex (the
 * backfill's progress), introspection.
 */
export const CACHEABLE_ROOT_FIELDS: ReadonlySet<string> = new Set(["product", "products", "photo", "search", "similarProducts"]);

const verdicts = new WeakMap<OperationDefinitionNode, boolean>();

/**
 * Whether a query asks only for cacheable root fields (fragments spread in;
 * a bare `__typename` rides along, but alone is not worth a cache entry).
 * Apollo hands the same parsed document to every request with the same
 * text, so each operation is walked once.
 */
export function isCacheableQuery(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  if (operation.operation !== "query") return false;
  let verdict = verdicts.get(operation);
  if (verdict === undefined) {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    const names = rootFieldNames(operation.selectionSet, fragments, new Set());
    verdict = names.size > 0 && [...names].every((name) => CACHEABLE_ROOT_FIELDS.has(name));
    verdicts.set(operation, verdict);
  }
  return verdict;
}

function rootFieldNames(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, seen: Set<string>): Set<string> {
  const names = new Set<string>();
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== "__typename") names.add(selection.name.value);
      continue;
    }
    let inner: SelectionSetNode | undefined;
    if (selection.kind === Kind.INLINE_FRAGMENT) inner = selection.selectionSet;
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      inner = fragments.get(selection.name.value)?.selectionSet;
    }
    if (inner) for (const name of rootFieldNames(inner, fragments, seen)) names.add(name);
  }
  return names;
}
