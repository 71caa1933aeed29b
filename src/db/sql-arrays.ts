/**
 * PostgreSQL array literals, bound as one parameter (the driver would spread
 * a JS array into a list of parameters). Quoting every text element keeps
 * commas, braces, quotes and backslashes in values harmless.
 */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;
}

export function numberArrayLiteral(values: readonly number[]): string {
  if (!values.every(Number.isFinite)) throw new Error("array literal of non-finite numbers");
  return `{${values.join(",")}}`;
}
