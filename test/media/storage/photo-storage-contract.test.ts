import { access } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PhotoNotStoredError,
  RangeNotSatisfiableError,
  type PhotoStorage,
} from "../../../src/media/storage/photo-storage.js";
import {
  FIXTURES,
  bytesOf,
  collect,
  newKey,
  expectSameBytes,
  scratchCopy,
  startLocalSubject,
  startS3Subject,
  type StorageSubject,
} from "./storage-subjects.js";

// One contract, every adapter: what intake, the photo route and the sweeps
// rely on must hold whatever the storage. Local runs in a temporary directory;
// S3 against a real S3-compatible server in a child process, under a prefix.
const adapters: { name: string; start: () => Promise<StorageSubject> }[] = [
  { name: "local", start: startLocalSubject },
  { name: "s3", start: startS3Subject },
];

describe.each(adapters)("the $name photo storage", ({ start }) => {
  let subject: StorageSubject;
  let storage: PhotoStorage;
  // Stored once for the read-only cases below.
  let key: string;
  let bytes: Buffer;

  beforeAll(async () => {
    subject = await start();
    storage = subject.storage;
    key = newKey();
    const copy = await scratchCopy(subject.scratch, FIXTURES.coffee);
    bytes = copy.bytes;
    await storage.put(key, copy.file, "image/png");
  });

  afterAll(async () => {
    await subject?.stop();
  });

  it("puts a local file and reads the whole photo back, leaving the local file where it was", async () => {
    const copy = await scratchCopy(subject.scratch, FIXTURES.smarties);
    const other = newKey();
    await storage.put(other, copy.file, "image/png");
    await access(copy.file);

    const photo = await storage.read(other);
    expectSameBytes(await bytesOf(photo.body), copy.bytes);
    expect(photo.size).toBe(copy.bytes.length);
    expect(photo.range).toBeNull();
    expect(photo.etag).toMatch(/^"[^"]+"$/);
    expect(photo.lastModified).toBeInstanceOf(Date);
    expect(Math.abs(photo.lastModified.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it("reads the whole photo into memory", async () => {
    expectSameBytes(await storage.readAll(key), bytes);
  });

  it("reads ranges: the first bytes, a middle part, and from an offset to the end", async () => {
    const cases = [
      { range: { start: 0, end: 99 }, expected: { start: 0, end: 99 } },
      { range: { start: 1000, end: 4999 }, expected: { start: 1000, end: 4999 } },
      { range: { start: bytes.length - 500 }, expected: { start: bytes.length - 500, end: bytes.length - 1 } },
      // An end past the photo is clamped to its last byte, as HTTP does.
      { range: { start: bytes.length - 10, end: bytes.length + 1000 }, expected: { start: bytes.length - 10, end: bytes.length - 1 } },
    ];
    for (const { range, expected } of cases) {
      const photo = await storage.read(key, range);
      const body = await bytesOf(photo.body);
      expect(photo.range, JSON.stringify(range)).toEqual(expected);
      expect(photo.size, "size is the whole photo's").toBe(bytes.length);
      expectSameBytes(body, bytes.subarray(expected.start, expected.end + 1), JSON.stringify(range));
    }
  });

  it("describes a photo with the same size and etag on every read, and a new etag once other bytes replace it", async () => {
    const info = await storage.info(key);
    expect(info).toEqual({ size: bytes.length, etag: expect.stringMatching(/^"[^"]+"$/), lastModified: expect.any(Date) });
    for (const range of [undefined, { start: 0, end: 9 }]) {
      const photo = await storage.read(key, range);
      photo.body.destroy();
      expect({ size: photo.size, etag: photo.etag }).toEqual({ size: info!.size, etag: info!.etag });
    }
    expect(await storage.info(key)).toEqual(info);

    const replaced = newKey();
    const first = await scratchCopy(subject.scratch, FIXTURES.coffee);
    await storage.put(replaced, first.file, "image/png");
    const before = await storage.info(replaced);
    const second = await scratchCopy(subject.scratch, FIXTURES.smarties);
    await storage.put(replaced, second.file, "image/png");
    const after = await storage.info(replaced);
    expect(after!.etag).not.toBe(before!.etag);
    expect(after!.size).toBe(second.bytes.length);
    expectSameBytes(await storage.readAll(replaced), second.bytes);
  });

  it("says PhotoNotStoredError for a key with no photo, and info says null", async () => {
    const missing = newKey();
    await expect(storage.read(missing)).rejects.toBeInstanceOf(PhotoNotStoredError);
    await expect(storage.read(missing, { start: 0, end: 9 })).rejects.toBeInstanceOf(PhotoNotStoredError);
    await expect(storage.readAll(missing)).rejects.toMatchObject({ code: "PHOTO_NOT_STORED", transient: false });
    expect(await storage.info(missing)).toBeNull();
  });

  it("says RangeNotSatisfiableError for a range that starts at or past the end", async () => {
    for (const start of [bytes.length, bytes.length + 1000]) {
      await expect(storage.read(key, { start })).rejects.toBeInstanceOf(RangeNotSatisfiableError);
      await expect(storage.read(key, { start, end: start + 10 })).rejects.toMatchObject({ code: "RANGE_NOT_SATISFIABLE" });
    }
  });

  it("removes a photo, and removing it again is no error", async () => {
    const doomed = newKey();
    const copy = await scratchCopy(subject.scratch, FIXTURES.coffee);
    await storage.put(doomed, copy.file, "image/png");
    expect(await storage.info(doomed)).not.toBeNull();

    await storage.remove(doomed);
    expect(await storage.info(doomed)).toBeNull();
    await expect(storage.read(doomed)).rejects.toBeInstanceOf(PhotoNotStoredError);
    await storage.remove(doomed);
    await storage.remove(newKey());
  });

  it("lists every stored key, as it was put, with its last change", async () => {
    const keys = [newKey(), newKey("jpg"), newKey()];
    for (const each of keys) {
      const copy = await scratchCopy(subject.scratch, FIXTURES.smarties);
      await storage.put(each, copy.file, "image/png");
    }
    await storage.remove(keys[2]!);

    const listed = await collect(storage.list());
    const listedKeys = listed.map((entry) => entry.key);
    expect(listedKeys).toEqual(expect.arrayContaining([key, keys[0], keys[1]]));
    expect(listedKeys).not.toContain(keys[2]);
    expect(new Set(listedKeys).size, "no key twice").toBe(listedKeys.length);
    for (const entry of listed) {
      expect(entry.key).toMatch(/^[0-9a-f]{2}\/[0-9a-f-]{36}\.(png|jpg)$/);
      expect(entry.lastModified).toBeInstanceOf(Date);
    }
  });

  it("refuses keys that could reach outside the storage, as keys no photo has", async () => {
    const copy = await scratchCopy(subject.scratch, FIXTURES.coffee);
    for (const bad of ["", "/etc/passwd", "ab//x.png", "../x.png", "ab/../../x.png", "ab/./x.png", ".incoming/x.png", "ab\\..\\x.png"]) {
      await expect(storage.put(bad, copy.file, "image/png"), JSON.stringify(bad)).rejects.toBeInstanceOf(PhotoNotStoredError);
      await expect(storage.read(bad), JSON.stringify(bad)).rejects.toBeInstanceOf(PhotoNotStoredError);
      await expect(storage.info(bad), JSON.stringify(bad)).rejects.toBeInstanceOf(PhotoNotStoredError);
      await expect(storage.remove(bad), JSON.stringify(bad)).rejects.toBeInstanceOf(PhotoNotStoredError);
    }
  });
});
