import { createHash } from "node:crypto";
import { type DefinitionNode, type DocumentNode, type FragmentDefinitionNode, Kind, print } from "graphql";

/**
 * The text of a persisted document and its id, computed the same way by
 * codegen (for the manifest, and for the hash each SDK document carries) and
 * by the server (to check the manifest). The operation comes first, then the
 * fragments it uses in name order: the text does not depend on the order in
 * which a tool happens to collect fragments, so two generators agree.
 */
export function persistedDocumentText(document: Pick<DocumentNode, "definitions">): string {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = document.definitions
    .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
    .sort((a, b) => (a.name.value < b.name.value ? -1 : a.name.value > b.name.value ? 1 : 0));
  return [...operations, ...fragments].map((d: DefinitionNode) => print(d)).join("\n\n");
}

/** sha256 in lower-case hex: what Apollo's `extensions.persistedQuery.sha256Hash` carries. */
export function persistedDocumentHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
