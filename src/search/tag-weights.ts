import { namespaceOf, type TagEvidence, type TagNamespace } from "../analysis/tags.js";

/**
 * How much a matching tag counts. What an object is says more than its
 * colour, and its colour more than the photo's style; printed text and
 * brands are strong evidence when they match.
 */
export const NAMESPACE_WEIGHTS: Record<TagNamespace, number> = {
  object: 3,
  brand: 2.5,
  text: 2,
  material: 1.5,
  pattern: 1.5,
  shape: 1.5,
  color: 1,
  other: 1,
  style: 0.5,
};

/** Rare tags count more: inverse document frequency, never below ln 2 (a tag every product has). */
export function inverseDocumentFrequency(productCount: number, productsWithTag: number): number {
  return Math.log(1 + Math.max(productCount, 1) / Math.max(productsWithTag, 1));
}

export interface WeightedQueryTag {
  tag: string;
  /** The most this tag can add to a product's score (a product's own confidence scales it down). */
  weight: number;
}

export interface WeightedQuery {
  /** Heaviest first: the order the pruned search scans the lists in. */
  tags: WeightedQueryTag[];
  /** Sum of all weights: a product carrying every query tag, surely, scores this much (score 1). */
  total: number;
}

/**
 * Weights a query's tags by IDF, namespace and the query tagger's confidence.
 * A tag no product has still counts in the total: missing it is a difference.
 */
export function weighQuery(evidence: readonly TagEvidence[], productCount: number, productsWithTag: (tag: string) => number): WeightedQuery {
  const tags = evidence
    .map(({ tag, confidence }) => ({
      tag,
      weight: inverseDocumentFrequency(productCount, productsWithTag(tag)) * NAMESPACE_WEIGHTS[namespaceOf(tag)] * confidence,
    }))
    .sort((a, b) => b.weight - a.weight || (a.tag < b.tag ? -1 : 1));
  return { tags, total: tags.reduce((sum, { weight }) => sum + weight, 0) };
}
