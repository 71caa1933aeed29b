import { finished } from "node:stream/promises";
import type { NextFunction, Request, Response } from "express";
import { Upload } from "graphql-upload-minimal";

/**
 * Reads to the end every uploaded file that nobody read: the operation failed
 * before getting to it, or was refused outright (CSRF, validation). The
 * multipart parser waits on an unread file, so the request body would never
 * finish, and the connection would hang and then be reset.
 */
export function drainUnreadUploads(req: Request, res: Response, next: NextFunction): void {
  res.once("finish", () => {
    for (const upload of findUploads(req.body)) void drain(upload);
  });
  next();
}

function findUploads(value: unknown, found: Upload[] = []): Upload[] {
  if (value instanceof Upload) found.push(value);
  else if (Array.isArray(value)) for (const item of value) findUploads(item, found);
  else if (value && typeof value === "object") for (const item of Object.values(value)) findUploads(item, found);
  return found;
}

async function drain(upload: Upload): Promise<void> {
  const file = await upload.promise.catch(() => null);
  if (!file) return;
  try {
    const stream = file.createReadStream(); // throws when the operation already took the stream
    stream.resume();
    await finished(stream);
  } catch {
    // already read, or broken: nothing left to drain
  }
}
