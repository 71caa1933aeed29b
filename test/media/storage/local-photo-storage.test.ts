import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalPhotoStorage } from "../../../src/media/storage/local-photo-storage.js";
import { PhotoNotStoredError, StorageUnavailableError } from "../../../src/media/storage/photo-storage.js";
import { FIXTURES, collect, newKey, scratchCopy, startLocalSubject, type LocalSubject } from "./storage-subjects.js";

// What only the local directory has: a root to stay inside, files of its own
// (scratch folders, files being written) beside the photos, and no URLs.
let subject: LocalSubject;

beforeAll(async () => {
  subject = await startLocalSubject();
});

afterAll(async () => {
  await subject?.stop();
});

/** Every file under a directory, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

describe("local photo storage", () => {
  it("never writes or reads outside its root, whatever the key", async () => {
    const outside = path.dirname(subject.root);
    await writeFile(path.join(outside, "secret.png"), "not a photo");
    const before = await filesUnder(outside);
    const copy = await scratchCopy(subject.scratch, FIXTURES.coffee);
    const escapes = ["../secret.png", "ab/../../secret.png", `..${path.sep}secret.png`, path.join(outside, "secret.png"), "ab/../../escaped.png"];
    for (const key of escapes) {
      await expect(subject.storage.read(key), key).rejects.toBeInstanceOf(PhotoNotStoredError);
      await expect(subject.storage.readAll(key), key).rejects.toBeInstanceOf(PhotoNotStoredError);
      await expect(subject.storage.put(key, copy.file, "image/png"), key).rejects.toBeInstanceOf(PhotoNotStoredError);
      await expect(subject.storage.remove(key), key).rejects.toBeInstanceOf(PhotoNotStoredError);
    }
    const after = await filesUnder(outside);
    expect(after.sort()).toEqual([...before, path.relative(outside, copy.file)].sort());
  });

  it("has no presigned URLs", async () => {
    const key = newKey();
    const copy = await scratchCopy(subject.scratch, FIXTURES.coffee);
    await subject.storage.put(key, copy.file, "image/png");
    expect(await subject.storage.presignedUrl(key, 60)).toBeNull();
  });

  it("stores a key as a file under its root, and leaves no temporary file behind", async () => {
    const key = newKey();
    const copy = await scratchCopy(subject.scratch, FIXTURES.coffee);
    await subject.storage.put(key, copy.file, "image/png");
    const folder = await readdir(path.join(subject.root, key.slice(0, 2)));
    expect(folder).toEqual([key.slice(3)]);
  });

  it("lists photos only: not scratch folders, nor files still being written", async () => {
    const key = newKey();
    const copy = await scratchCopy(subject.scratch, FIXTURES.coffee);
    await subject.storage.put(key, copy.file, "image/png");
    await mkdir(path.join(subject.root, ".incoming"), { recursive: true });
    await writeFile(path.join(subject.root, ".incoming", "3f2a.png"), "arriving");
    await writeFile(path.join(subject.root, key.slice(0, 2), ".put-1234"), "half written");
    await writeFile(path.join(subject.root, ".put-probe-5678"), "");

    const keys = (await collect(subject.storage.list())).map((entry) => entry.key);
    expect(keys).toContain(key);
    expect(keys.filter((listed) => listed.split("/").some((segment) => segment.startsWith(".")))).toEqual([]);
  });

  it("fails init with StorageUnavailableError when the root cannot be a directory", async () => {
    // A path under a regular file: refused even to root, unlike a chmod.
    const file = path.join(subject.scratch, "a-file");
    await writeFile(file, "");
    const error = await new LocalPhotoStorage(path.join(file, "photos")).init().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error).toMatchObject({ code: "STORAGE_UNAVAILABLE", transient: true });
    expect((error as Error).message).toContain("ENOTDIR");
  });
});
