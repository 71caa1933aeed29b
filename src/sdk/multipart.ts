/**
 * The GraphQL multipart request spec
 * (https://github.com/jaydenseric/graphql-multipart-request-spec): every
 * Blob (or File) in the variables becomes a form part, replaced by null in
 * `operations`, with `map` telling the server where each part goes.
 */

export interface ExtractedFiles {
  /** The variables with every Blob replaced by null. */
  variables: Record<string, unknown>;
  /** Each distinct Blob, with the dotted paths it fills ("variables.image"). */
  files: Map<Blob, string[]>;
}

export function extractFiles(variables: Record<string, unknown>): ExtractedFiles {
  const files = new Map<Blob, string[]>();
  const walk = (value: unknown, path: string): unknown => {
    if (value instanceof Blob) {
      files.set(value, [...(files.get(value) ?? []), path]);
      return null;
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, `${path}.${index}`));
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, `${path}.${key}`)]));
    return value;
  };
  return { variables: walk(variables, "variables") as Record<string, unknown>, files };
}

export function multipartBody(operation: { query?: string; extensions?: Record<string, unknown>; operationName?: string; variables: Record<string, unknown> }, files: Map<Blob, string[]>): FormData {
  const form = new FormData();
  form.append("operations", JSON.stringify(operation));
  const entries = [...files.entries()];
  form.append("map", JSON.stringify(Object.fromEntries(entries.map(([, paths], index) => [String(index), paths]))));
  entries.forEach(([file], index) => form.append(String(index), file, fileName(file)));
  return form;
}

const fileName = (blob: Blob) => ("name" in blob && typeof blob.name === "string" && blob.name !== "" ? blob.name : "upload");

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
