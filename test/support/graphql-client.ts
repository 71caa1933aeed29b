import { readFile } from "node:fs/promises";
import path from "node:path";

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
  extensions?: Record<string, any>;
}

/** A file part of a multipart request. */
export interface UploadPart {
  /** Dotted variable path, as in the multipart spec's map: "variables.image". */
  variable: string;
  bytes: Uint8Array;
  filename: string;
  contentType?: string;
}

export async function fixtureUpload(name: string, variable = "variables.image"): Promise<UploadPart> {
  return { variable, bytes: await readFile(path.join("test/fixtures", name)), filename: name };
}

/** Real HTTP: JSON requests, and multipart requests per the GraphQL multipart request spec. */
export class GraphQLClient {
  constructor(readonly endpoint: string) {}

  async query<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> {
    const response = await fetch(this.endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as object) };
  }

  async upload<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown>,
    files: UploadPart[],
    headers: Record<string, string> = { "apollo-require-preflight": "true" },
  ): Promise<GraphQLResponse<T>> {
    const form = new FormData();
    form.append("operations", JSON.stringify({ query, variables }));
    form.append("map", JSON.stringify(Object.fromEntries(files.map((file, index) => [String(index), [file.variable]]))));
    files.forEach((file, index) => {
      form.append(String(index), new Blob([file.bytes], { type: file.contentType ?? "application/octet-stream" }), file.filename);
    });
    const response = await fetch(this.endpoint, { method: "POST", headers, body: form });
    const text = await response.text();
    try {
      return { status: response.status, ...(JSON.parse(text) as object) };
    } catch {
      return { status: response.status, errors: [{ message: text }] };
    }
  }
}
