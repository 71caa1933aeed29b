import {
  getNamedType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/**
 * Root fields that queue an analysis for the worker. Each counts against a
 * subject's pending analyses; startup checks that each names a real field.
 */
export const QUEUEING_FIELDS: readonly string[] = ["Mutation.addProduct", "Mutation.addPhoto", "Mutation.retryAnalysis"];

/** The scalar of a multipart upload (graphql-upload-minimal). */
const UPLOAD_TYPE = "Upload";

/** What an operation will put on the queue and read from the network, beyond its points. */
export interface OperationDemand {
  /** Root fields that take an upload (each reads a file while it runs). */
  uploads: number;
  /** Root fields that queue an analysis. */
  analyses: number;
}

/**
 * Counts the operation's root fields that upload or queue, through
 * fragments; an aliased field counts each time, as it runs each time.
 * @skip and @include are ignored: a field that may run is counted.
 */
export function operationDemand(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): OperationDemand {
  const demand: OperationDemand = { uploads: 0, analyses: 0 };
  const root = schema.getRootType(operation.operation);
  if (!root) return demand;
  const fields = root.getFields();
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const visited = new Set<string>();
  const walk = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = fields[selection.name.value];
        if (!field) continue;
        if (field.args.some((argument) => getNamedType(argument.type).name === UPLOAD_TYPE)) demand.uploads += 1;
        if (QUEUEING_FIELDS.includes(`${root.name}.${field.name}`)) demand.analyses += 1;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value); // a cycle is refused by validation; this may run first
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return demand;
}

/** Fails loudly at startup when QUEUEING_FIELDS names a field the schema does not have. */
export function checkQueueingFields(schema: GraphQLSchema): void {
  for (const key of QUEUEING_FIELDS) {
    const [typeName, fieldName] = key.split(".");
    const type = schema.getType(typeName ?? "");
    const fields = type && "getFields" in type ? type.getFields() : {};
    if (!fieldName || !(fieldName in fields)) throw new Error(`operation-demand.ts counts ${key}, which the schema does not have`);
  }
}
