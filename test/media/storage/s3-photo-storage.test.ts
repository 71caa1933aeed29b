import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PhotoNotStoredError, StorageUnavailableError } from "../../../src/media/storage/photo-storage.js";
import { S3PhotoStorage, type S3StorageSettings } from "../../../src/media/storage/s3-photo-storage.js";
import { startS3Server } from "../../support/s3-server.js";
import { startTcpProxy } from "../../support/tcp-proxy.js";
import { waitFor } from "../../support/wait-for.js";
import {
  BUCKET,
  FIXTURES,
  PREFIX,
  collect,
  expectSameBytes,
  newKey,
  s3Settings,
  scratchCopy,
  startS3Subject,
  type S3Subject,
} from "./storage-subjects.js";

// What only S3 has: buckets, credentials, presigned URLs, a server that can be
// down. All against a real S3-compatible server in a child process.
let subject: S3Subject;
let key: string;
let bytes: Buffer;
/** Storages made by a test, destroyed at the end. */
const extra: S3PhotoStorage[] = [];

function storageWith(overrides: Partial<S3StorageSettings>): S3PhotoStorage {
  const storage = new S3PhotoStorage(s3Settings(subject.server, overrides));
  extra.push(storage);
  return storage;
}

async function failure(promise: Promise<unknown>): Promise<StorageUnavailableError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(StorageUnavailableError);
  expect(error).toMatchObject({ code: "STORAGE_UNAVAILABLE", transient: true });
  return error as StorageUnavailableError;
}

beforeAll(async () => {
  subject = await startS3Subject();
  key = newKey();
  const copy = await scratchCopy(subject.scratch, FIXTURES.coffee);
  bytes = copy.bytes;
  await subject.storage.put(key, copy.file, "image/png");
});

afterAll(async () => {
  for (const storage of extra) storage.destroy();
  await subject?.stop();
});

describe("S3 photo storage", () => {
  it("fails init on a bucket that is not there, naming the bucket and where it was looked for", async () => {
    const error = await failure(storageWith({ bucket: "no-such-bucket" }).init());
    expect(error.message).toBe(`The bucket 'no-such-bucket' does not exist at ${subject.server.endpoint}.`);
  });

  it("fails with refused credentials on a wrong secret, at init and on every operation, and never shows a secret", async () => {
    const wrong = storageWith({ secretAccessKey: "not-the-secret-at-all" });
    const errors = [
      await failure(wrong.init()),
      await failure(wrong.read(key)),
      await failure(wrong.readAll(key)),
      await failure(wrong.info(key)),
      await failure(wrong.remove(key)),
      await failure(collect(wrong.list())),
    ];
    const copy = await scratchCopy(subject.scratch, FIXTURES.smarties);
    const refusedKey = newKey();
    errors.push(await failure(wrong.put(refusedKey, copy.file, "image/png")));

    for (const error of errors) {
      expect(error.message).toMatch(new RegExp(`^The storage refused the credentials for the bucket '${BUCKET}'`));
      const shown = JSON.stringify({ message: error.message, details: error.details, stack: error.stack });
      expect(shown).not.toContain("not-the-secret-at-all");
      expect(shown).not.toContain(subject.server.secretAccessKey);
    }
    expect(errors[0]!.message).toContain("HTTP 403");
    expect(errors[1]!.message).toContain("HTTP 403 SignatureDoesNotMatch");
    // Refused means refused: the photo is still there, and the refused put stored nothing.
    expect(await subject.storage.info(key)).not.toBeNull();
    expect(await subject.storage.info(refusedKey)).toBeNull();
  });

  it("fails with refused credentials on an access key the server does not know", async () => {
    const error = await failure(storageWith({ accessKeyId: "AKIANOBODYKNOWS" }).read(key));
    expect(error.message).toContain("InvalidAccessKeyId");
  });

  it("hands out presigned URLs that plain fetch can read, and refuses them once tampered with", async () => {
    const url = await subject.storage.presignedUrl(key, 60);
    expect(url).not.toBeNull();
    const response = await fetch(url!);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    expectSameBytes(Buffer.from(await response.arrayBuffer()), bytes);

    const signed = new URL(url!);
    const signature = signed.searchParams.get("X-Amz-Signature")!;
    const otherSignature = new URL(signed);
    otherSignature.searchParams.set("X-Amz-Signature", `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`);
    const otherKey = new URL(signed);
    otherKey.pathname = otherKey.pathname.replace(/[0-9a-f]{2}\/[^/]+$/, newKey());
    const longer = new URL(signed);
    longer.searchParams.set("X-Amz-Expires", "604800");
    const unsigned = new URL(signed.origin + signed.pathname);
    for (const tampered of [otherSignature, otherKey, longer, unsigned]) {
      const refused = await fetch(tampered);
      await refused.arrayBuffer();
      expect(refused.status, tampered.toString()).toBe(403);
    }
  });

  it("keeps objects under the prefix, whichever way the prefix is written", async () => {
    const whole = await collect(storageWith({ prefix: "" }).list());
    expect(whole.map((entry) => entry.key)).toContain(`${PREFIX}${key}`);

    for (const prefix of ["lookalike/photos", "/lookalike/photos/"]) {
      expectSameBytes(await storageWith({ prefix }).readAll(key), bytes);
    }
    await expect(storageWith({ prefix: "elsewhere/" }).read(key)).rejects.toBeInstanceOf(PhotoNotStoredError);
  });

  it("fails as transient StorageUnavailableError when the server is down", async () => {
    const server = await startS3Server({ buckets: [BUCKET] });
    const storage = new S3PhotoStorage(s3Settings(server));
    extra.push(storage);
    await storage.init();
    const copy = await scratchCopy(subject.scratch, FIXTURES.smarties);
    const stored = newKey();
    await storage.put(stored, copy.file, "image/png");
    await server.stop();

    const errors = [
      await failure(storage.init()),
      await failure(storage.read(stored)),
      await failure(storage.info(stored)),
      await failure(storage.put(newKey(), copy.file, "image/png")),
    ];
    for (const error of errors) {
      expect(error.message).toBe(`The storage at ${server.endpoint} is unavailable (ECONNREFUSED).`);
    }
  });

  it("fails as transient StorageUnavailableError when the server stops answering mid-way, rather than waiting for ever", async () => {
    const proxy = await startTcpProxy(Number(new URL(subject.server.endpoint).port));
    const storage = storageWith({ endpoint: `http://127.0.0.1:${proxy.port}`, timeoutMs: 300 });
    try {
      await storage.init();
      const copy = await scratchCopy(subject.scratch, FIXTURES.smarties);
      const [removed, kept] = [newKey(), newKey()];
      await storage.put(removed, copy.file, "image/png");
      await storage.put(kept, copy.file, "image/png");
      // Connections are accepted and then nothing comes back: a hung server, not a refused one.
      proxy.stall();
      await failure(storage.remove(removed));
      await failure(storage.read(kept));
      await failure(storage.put(newKey(), copy.file, "image/png"));
      expect(proxy.stalled()).toBeGreaterThan(0);
      // Once it answers again, so does the storage (the held requests are delivered then, the removal too).
      proxy.restore();
      // The same storage, with its 300 ms timeout: on a busy machine one read may still outlast it, so a read
      // that finds the storage unavailable is asked again, for up to 10 s; any other failure fails the test.
      let recovered: Buffer | null = null;
      await waitFor(async () => {
        recovered = await storage.readAll(kept).catch((error: unknown) => {
          if (error instanceof StorageUnavailableError) return null;
          throw error;
        });
        return recovered !== null;
      });
      expectSameBytes(recovered!, copy.bytes);
    } finally {
      await proxy.stop();
    }
  });
});
