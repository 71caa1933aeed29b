import { BadUserInputError } from "../errors.js";
import type { ProductCursor } from "./product-repository.js";
import { parseId } from "./ids.js";

/** Opaque to clients: the (createdAt, id) of the last product of a page. */
export function encodeCursor(product: { createdAt: Date; id: string }): string {
  return Buffer.from(`${product.createdAt.toISOString()}|${product.id}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): ProductCursor {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at ?? "");
  if (!id || Number.isNaN(createdAt.getTime())) {
    throw new BadUserInputError("The cursor is not one this API gave out.", { argument: "after" });
  }
  return { createdAt, id: parseId(id, "cursor") };
}
