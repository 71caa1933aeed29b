/**
 * The tag score in SQL, written once for the statements built here: a
 * matching tag adds its query weight times the confidence the product carries
 * it with (0 when it does not carry it). The weighted-tags migration's
 * row_score and similar_products (redefined by the attribute-filter
 * migration) hold the same formula; migrations are never
 * edited, so it is stated there too, and the tests hold all of them to one
 * JS brute force (test/catalog/weighted-similarity.test.ts).
 */
export function tagTermSql(weight: string, confidence: string): string {
  return `${weight} * ${confidence}`;
}

/** A product row's score: one term per query tag, the confidence found by intarray's idx in the row's own arrays. */
export function rowScoreSql(terms: ReadonlyArray<{ weight: string; tagId: string }>, row = "p"): string {
  return terms.map(({ weight, tagId }) => tagTermSql(weight, `coalesce(${row}.tag_confidences[idx(${row}.tag_ids, ${tagId})], 0)`)).join(" + ");
}
