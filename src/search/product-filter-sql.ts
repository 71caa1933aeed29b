import { attributesConditionSql, attributesParameter } from "./attribute-filter.js";

/** Binds a value where the SQL text puts it: its placeholder with a cast, the value pushed in the same order. */
export type Bind = (value: unknown, cast: string) => string;

/** Values and their binder, for a statement built piece by piece. */
export function placeholders(): { params: unknown[]; bind: Bind } {
  const params: unknown[] = [];
  return { params, bind: (value, cast) => (params.push(value), `?::${cast}`) };
}

/**
 * The filters every ranking applies on a product row `p`, written once:
 * created after, attribute pairs, and the product a search starts from.
 * Required tags differ by statement (by id on tag_ids, or by name) and are
 * added by each.
 */
export function productFilterConditions(filters: { createdAfter: Date | null; attributes: Readonly<Record<string, string>>; excludeProductId?: string | null }, bind: Bind): string[] {
  const conditions: string[] = [];
  if (filters.createdAfter) conditions.push(`p.created_at > ${bind(filters.createdAfter.toISOString(), "timestamptz")}`);
  const attributes = attributesParameter(filters.attributes);
  if (attributes) conditions.push(attributesConditionSql(bind(attributes, "jsonb")));
  if (filters.excludeProductId) conditions.push(`p.id <> ${bind(filters.excludeProductId, "uuid")}`);
  return conditions;
}
