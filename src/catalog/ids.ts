import { BadUserInputError } from "../errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else is a client mistake, told apart from "not found". */
export function parseId(raw: string, kind: string): string {
  const id = raw.trim();
  if (!UUID.test(id)) throw new BadUserInputError(`"${raw.slice(0, 64)}" is not a valid ${kind} id.`, { argument: "id" });
  return id.toLowerCase();
}

const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Client-chosen ids of query analyses: short and plain, since they name a bus topic. */
export function parseRequestId(raw: string): string {
  if (!REQUEST_ID.test(raw)) {
    throw new BadUserInputError("requestId must be 1 to 64 letters, digits, '-' or '_'.", { argument: "requestId" });
  }
  return raw;
}
