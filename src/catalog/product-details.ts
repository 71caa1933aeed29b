import { BadUserInputError } from "../errors.js";

/** What a shop says of a product besides its page and photos; every field optional. */
export interface ProductDetailsInput {
  externalId?: string | null;
  title?: string | null;
  attributes?: ReadonlyArray<{ name: string; value: string }> | null;
}

/** A change to a product: a field left out stays as it is; null clears it (attributes: null or [] clears them all). */
export interface ProductChangeInput extends ProductDetailsInput {
  sourceUrl?: string | null;
}

export interface ProductDetails {
  externalId: string | null;
  title: string | null;
  attributes: Record<string, string>;
}

/**
 * Bounds of the details: attributes are a filter, not a document store, so
 * they stay small (one row's JSON, matched by a GIN index).
 */
export const DETAIL_LIMITS = { externalId: 200, title: 500, attributes: 20, attributeName: 64, attributeValue: 256 } as const;

// Control characters have no place in an id, a title or a filter value.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Trimmed, checked details; blank means none. BAD_USER_INPUT names the argument at fault. */
export function parseProductDetails(input: ProductDetailsInput): ProductDetails {
  return {
    externalId: text(input.externalId, "externalId", DETAIL_LIMITS.externalId),
    title: text(input.title, "title", DETAIL_LIMITS.title),
    attributes: parseAttributes(input.attributes ?? []),
  };
}

/** The fields a change sets, checked; those left out are absent. */
export function parseProductChange(input: ProductChangeInput, parseUrl: (raw: string) => string): Partial<ProductDetails & { sourceUrl: string }> {
  const change: Partial<ProductDetails & { sourceUrl: string }> = {};
  if (input.sourceUrl === null) throw new BadUserInputError("A product always has a sourceUrl; it cannot be cleared.", { argument: "sourceUrl" });
  if (input.sourceUrl !== undefined) change.sourceUrl = parseUrl(input.sourceUrl);
  if (input.externalId !== undefined) change.externalId = text(input.externalId, "externalId", DETAIL_LIMITS.externalId);
  if (input.title !== undefined) change.title = text(input.title, "title", DETAIL_LIMITS.title);
  if (input.attributes !== undefined) change.attributes = parseAttributes(input.attributes ?? []);
  return change;
}

/** Attributes as a filter asks for them: the same checks, so a filter can match what can be stored. */
export function parseAttributes(pairs: ReadonlyArray<{ name: string; value: string }>): Record<string, string> {
  if (pairs.length > DETAIL_LIMITS.attributes) {
    throw new BadUserInputError(`A product has at most ${DETAIL_LIMITS.attributes} attributes.`, { argument: "attributes" });
  }
  const attributes: Record<string, string> = {};
  for (const pair of pairs) {
    const name = text(pair.name, "attributes.name", DETAIL_LIMITS.attributeName);
    const value = text(pair.value, "attributes.value", DETAIL_LIMITS.attributeValue);
    if (name === null || value === null) throw new BadUserInputError("An attribute needs a name and a value.", { argument: "attributes" });
    if (Object.hasOwn(attributes, name)) throw new BadUserInputError(`The attribute "${name}" is given twice.`, { argument: "attributes" });
    attributes[name] = value;
  }
  return attributes;
}

function text(value: string | null | undefined, argument: string, max: number): string | null {
  const trimmed = value?.trim() ?? "";
  if (trimmed === "") return null;
  if (trimmed.length > max) throw new BadUserInputError(`${argument} is longer than ${max} characters.`, { argument });
  if (CONTROL.test(trimmed)) throw new BadUserInputError(`${argument} contains control characters.`, { argument });
  return trimmed;
}
