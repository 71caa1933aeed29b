import type { PluginFunction } from "@graphql-codegen/plugin-helpers";
import { type DefinitionNode, type FragmentDefinitionNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from "graphql";
import { persistedDocumentHash, persistedDocumentText } from "./document-hash.js";

/** The name codegen.ts gives this plugin. */
export const MANIFEST_PLUGIN = "lookalike-persisted-document-manifest";

/**
 * A GraphQL Code Generator plugin: the persisted-document manifest, a JSON
 * object from sha256 hash to document text, for every operation in the
 * documents (each with the fragments it uses). The server loads it
 * (trusted-documents/manifest.ts); the SDK's documents carry the same hashes
 * (codegen.ts). Sorted by operation name, so a change to one operation is a
 * change to one entry.
 */
export const plugin: PluginFunction = (_schema, documents) => {
  const definitions = documents.flatMap((file) => file.document?.definitions ?? []);
  const fragments = new Map(definitions.filter(isFragment).map((f) => [f.name.value, f]));
  const operations = definitions.filter(isOperation).sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
  const manifest: Record<string, string> = {};
  for (const operation of operations) {
    const text = persistedDocumentText({ definitions: [operation, ...fragmentsUsedBy(operation.selectionSet, fragments)] });
    manifest[persistedDocumentHash(text)] = text;
  }
  return `${JSON.stringify(manifest, null, 2)}\n`;
};

function fragmentsUsedBy(selectionSet: SelectionSetNode, all: Map<string, FragmentDefinitionNode>, found = new Map<string, FragmentDefinitionNode>()) {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = all.get(selection.name.value);
      if (!fragment) throw new Error(`fragment ${selection.name.value} is not defined in the documents`);
      if (found.has(fragment.name.value)) continue;
      found.set(fragment.name.value, fragment);
      fragmentsUsedBy(fragment.selectionSet, all, found);
    } else if (selection.selectionSet) {
      fragmentsUsedBy(selection.selectionSet, all, found);
    }
  }
  return [...found.values()];
}

const isFragment = (d: DefinitionNode): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION;
const isOperation = (d: DefinitionNode): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION;
const name = (operation: OperationDefinitionNode) => operation.name?.value ?? "";
