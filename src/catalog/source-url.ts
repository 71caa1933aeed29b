import { BadUserInputError } from "../errors.js";

const MAX_LENGTH = 2048;

/** An absolute http(s) URL, normalised (so equal pages compare equal). */
export function parseSourceUrl(raw: string): string {
  const trimmed = raw.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new BadUserInputError(`sourceUrl "${trimmed.slice(0, 100)}" is not a valid absolute URL.`, { argument: "sourceUrl" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BadUserInputError("sourceUrl must be an http or https URL.", { argument: "sourceUrl" });
  }
  if (!url.hostname) throw new BadUserInputError("sourceUrl has no host.", { argument: "sourceUrl" });
  if (url.href.length > MAX_LENGTH) {
    throw new BadUserInputError(`sourceUrl is longer than ${MAX_LENGTH} characters.`, { argument: "sourceUrl" });
  }
  return url.href;
}
