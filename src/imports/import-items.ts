import { parseSourceUrl } from "../catalog/source-url.js";
import { parseProductDetails, type ProductDetails, type ProductDetailsInput } from "../catalog/product-details.js";
import { BadUserInputError, DomainError } from "../errors.js";
import { parseRemoteUrl } from "../media/remote/remote-url.js";

/** The most items one importProducts call takes: a feed's page, not a whole catalogue. */
export const MAX_IMPORT_ITEMS = 1_000;

/** As sourceUrl's own bound (catalog/source-url.ts). */
const MAX_URL_LENGTH = 2048;

/** One item as importProducts takes it. */
export interface ImportItemInput extends ProductDetailsInput {
  imageUrl: string;
  sourceUrl: string;
}

/** An item's fields, checked: what its job works from. Details left out (null) leave a known product's as they are. */
export interface ImportItemSpec {
  imageUrl: string;
  sourceUrl: string;
  externalId: string | null;
  title: string | null;
  /** null when the item gave none: a known product keeps its own. */
  attributes: ProductDetails["attributes"] | null;
}

/** An item as submitted: ready for its job, or refused at once with the error its job would have ended with. */
export type SubmittedItem = { index: number; spec: ImportItemSpec; refusal: DomainError | null };

/**
 * Checks every item of an import. An item with a bad URL or detail, or that
 * names a product an earlier item of the same import already names, is
 * refused by itself (FAILED with its code); the others go ahead, as a feed
 * with one bad line should. Refused items keep what was given, as far as it
 * fits, so the items query shows which line it was.
 */
export function checkImportItems(items: readonly ImportItemInput[]): SubmittedItem[] {
  if (items.length === 0 || items.length > MAX_IMPORT_ITEMS) {
    throw new BadUserInputError(`An import takes from 1 to ${MAX_IMPORT_ITEMS} items.`, { argument: "items", maxItems: MAX_IMPORT_ITEMS });
  }
  const firstBySourceUrl = new Map<string, number>();
  const firstByExternalId = new Map<string, number>();
  return items.map((item, index) => {
    const raw: ImportItemSpec = {
      imageUrl: String(item.imageUrl).slice(0, MAX_URL_LENGTH),
      sourceUrl: String(item.sourceUrl).slice(0, MAX_URL_LENGTH),
      externalId: item.externalId?.slice(0, 200) ?? null,
      title: item.title?.slice(0, 500) ?? null,
      attributes: null,
    };
    try {
      const spec = checkItem(item);
      const earlier = firstBySourceUrl.get(spec.sourceUrl) ?? (spec.externalId === null ? undefined : firstByExternalId.get(spec.externalId));
      if (earlier !== undefined) {
        throw new BadUserInputError(`Item ${index} names the same product (sourceUrl or externalId) as item ${earlier} of this import.`, {
          argument: "items",
          index,
          sameAsIndex: earlier,
        });
      }
      firstBySourceUrl.set(spec.sourceUrl, index);
      if (spec.externalId !== null) firstByExternalId.set(spec.externalId, index);
      return { index, spec, refusal: null };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { index, spec: raw, refusal: error };
    }
  });
}

function checkItem(item: ImportItemInput): ImportItemSpec {
  const imageUrl = parseRemoteUrl(item.imageUrl.trim()).href;
  if (imageUrl.length > MAX_URL_LENGTH) throw new BadUserInputError(`imageUrl is longer than ${MAX_URL_LENGTH} characters.`, { argument: "imageUrl" });
  const sourceUrl = parseSourceUrl(item.sourceUrl);
  const details = parseProductDetails(item);
  return { imageUrl, sourceUrl, ...details, attributes: item.attributes == null ? null : details.attributes };
}
