import sdkManifest from "../sdk/generated/persisted-documents.json" with { type: "json" };
import { persistedDocumentHash } from "./document-hash.js";

/**
 * The persisted documents a server knows: hash → document text, from the
 * manifest codegen emits (src/sdk/generated/persisted-documents.json).
 */
export class PersistedDocuments {
  private constructor(private readonly byHash: ReadonlyMap<string, string>) {}

  /** Refuses a manifest whose hash does not match its text: an edit by hand would otherwise run under a hash nobody built. */
  static fromManifest(manifest: Readonly<Record<string, string>>): PersistedDocuments {
    for (const [hash, text] of Object.entries(manifest)) {
      if (persistedDocumentHash(text) !== hash) throw new Error(`persisted document ${hash} does not hash to its key: run npm run codegen`);
    }
    return new PersistedDocuments(new Map(Object.entries(manifest)));
  }

  /** The SDK's operations, the manifest checked in next to the SDK. */
  static ofSdk(): PersistedDocuments {
    return PersistedDocuments.fromManifest(sdkManifest);
  }

  get(hash: string): string | undefined {
    return this.byHash.get(hash);
  }

  /** Every document's text. */
  texts(): IterableIterator<string> {
    return this.byHash.values();
  }

  get size(): number {
    return this.byHash.size;
  }
}
