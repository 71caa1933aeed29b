import { randomUUID } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { LocalPhotoStorage } from "../../../src/media/storage/local-photo-storage.js";
import type { PhotoStorage } from "../../../src/media/storage/photo-storage.js";
import { S3PhotoStorage, type S3StorageSettings } from "../../../src/media/storage/s3-photo-storage.js";
import { startS3Server, type S3Server } from "../../support/s3-server.js";

/** The fixtures the storage tests put: real photos of different sizes. */
export const FIXTURES = {
  coffee: fileURLToPath(new URL("../../fixtures/coffee.png", import.meta.url)),
  smarties: fileURLToPath(new URL("../../fixtures/smarties.png", import.meta.url)),
};

export const BUCKET = "photos";
export const PREFIX = "lookalike/photos/";

/** A storage under test, started and initialised, with what stop() must undo. */
export interface StorageSubject<S extends PhotoStorage = PhotoStorage> {
  storage: S;
  /** A private directory for the test's own scratch files (copies of fixtures). */
  scratch: string;
  stop(): Promise<void>;
}

export interface LocalSubject extends StorageSubject<LocalPhotoStorage> {
  root: string;
}

export interface S3Subject extends StorageSubject<S3PhotoStorage> {
  server: S3Server;
  settings: S3StorageSettings;
}

export async function startLocalSubject(): Promise<LocalSubject> {
  const dir = await mkdtemp(path.join(tmpdir(), "lookalike-test-storage-"));
  const root = path.join(dir, "photos");
  const storage = new LocalPhotoStorage(root);
  await storage.init();
  // Beside the root, not in it: the caller's files are not the storage's.
  const scratch = path.join(dir, "scratch");
  await mkdir(scratch);
  return { storage, root, scratch, stop: () => rm(dir, { recursive: true, force: true }) };
}

export async function startS3Subject(): Promise<S3Subject> {
  const server = await startS3Server({ buckets: [BUCKET] });
  const settings = s3Settings(server);
  const storage = new S3PhotoStorage(settings);
  const scratch = await mkdtemp(path.join(tmpdir(), "lookalike-test-storage-s3-"));
  const stop = async () => {
    storage.destroy();
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  };
  try {
    await storage.init();
  } catch (error) {
    await stop();
    throw error;
  }
  return { storage, server, settings, scratch, stop };
}

/** Settings for the test server's bucket; path style, as its endpoint is an IP address. */
export function s3Settings(server: S3Server, overrides: Partial<S3StorageSettings> = {}): S3StorageSettings {
  return {
    bucket: BUCKET,
    prefix: PREFIX,
    endpoint: server.endpoint,
    region: "us-east-1",
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    forcePathStyle: true,
    timeoutMs: 10_000,
    ...overrides,
  };
}

/** A key shaped as intake makes them: two characters of fan-out, then the id. */
export function newKey(extension = "png"): string {
  const id = randomUUID();
  return `${id.slice(0, 2)}/${id}.${extension}`;
}

/** A scratch copy of a fixture, as intake leaves a checked photo before putting it. */
export async function scratchCopy(scratch: string, fixture: string): Promise<{ file: string; bytes: Buffer }> {
  const file = path.join(scratch, `${randomUUID()}${path.extname(fixture)}`);
  await copyFile(fixture, file);
  return { file, bytes: await readFile(file) };
}

export async function bytesOf(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Buffer.equals, not toEqual: vitest compares buffers byte by byte as objects, which takes seconds for a photo. */
export function expectSameBytes(actual: Buffer, expected: Buffer, message?: string): void {
  expect(actual.length, message).toBe(expected.length);
  expect(actual.equals(expected), message).toBe(true);
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
