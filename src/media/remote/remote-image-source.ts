import type { IncomingFile } from "../image-intake.js";

/**
 * The port issue 14's import job uses to bring an image in by URL; the
 * adapter is http-image-fetcher.ts. What it hands back is an IncomingFile,
 * the shape uploads arrive in, so the job runs it through receiveImage
 * (image-intake.ts) like any upload: sniffing, the pixel limit, decoding,
 * hashes. Nothing here decides whether the bytes are an image.
 */
export interface RemoteImageSource {
  /**
   * Fetches `url` into `destination`, a path that must not exist yet (the
   * caller's, e.g. LocalImageStorage.incomingPath(), which the incoming sweep
   * cleans after a crash). Throws ImportUrlForbiddenError or
   * ImportFetchFailedError (errors.ts), and then no file is left there.
   */
  fetchTo(url: string, destination: string): Promise<FetchedFile>;
}

export interface FetchedFile extends IncomingFile {
  /** Where the bytes are: the destination given. */
  path: string;
  /** The URL the bytes came from, after redirects. */
  url: string;
  byteSize: number;
  /** As the server declared it: information only, never trusted (the intake sniffs the bytes). */
  contentType: string | undefined;
  /** Removes the file; the caller's once it has been received or given up. */
  discard(): Promise<void>;
}
