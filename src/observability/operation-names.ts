import { Kind, parse } from "graphql";

/** The names of the operations in these documents (the SDK's persisted ones): known names for metric labels. */
export function operationNamesOf(documents: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const text of documents) {
    for (const definition of parse(text).definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) names.add(definition.name.value);
    }
  }
  return names;
}
