/**
 * The attribute filter in SQL, written once: a product matches when its
 * attributes contain every pair asked for (`attributes @> '{"brand":"acme"}'`),
 * the one form the GIN index over product.attributes (jsonb_path_ops) serves.
 */

/** The pairs as the jsonb parameter the containment takes; null when there are none (no filter). */
export function attributesParameter(attributes: Readonly<Record<string, string>>): string | null {
  return Object.keys(attributes).length > 0 ? JSON.stringify(attributes) : null;
}

/** The condition on a product row (alias `row`), given the placeholder of that parameter (cast to jsonb). */
export function attributesConditionSql(placeholder: string, row = "p"): string {
  return `${row}.attributes @> ${placeholder}`;
}
