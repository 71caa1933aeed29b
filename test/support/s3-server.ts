import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readAnnouncedPort } from "./child-port.js";

/**
 * A running S3-compatible server (s3rver in a child process, real HTTP, real
 * files in a temporary directory), for any test that needs object storage.
 *
 *   const s3 = await startS3Server({ buckets: ["photos"] });
 *   new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: "us-east-1",
 *                  credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
 *   await s3.stop(); // in afterAll: ends the process and removes its directory
 *
 * Use path-style addressing: the endpoint is an IP address, so there is no
 * host name to put a bucket in. Credentials are random per server, and V4
 * signatures are really checked (s3rver alone does not check them), so a
 * wrong secret is refused with 403 SignatureDoesNotMatch, an unknown key id
 * with 403 InvalidAccessKeyId, and unsigned requests with 403 AccessDenied.
 * Any region may be signed for.
 */
export interface S3Server {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

const SERVER_ENTRY = fileURLToPath(new URL("./s3-server-process.mjs", import.meta.url));
// The repository root, so that the script resolves s3rver from its node_modules.
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export async function startS3Server(options: { buckets?: string[] } = {}): Promise<S3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), "lookalike-test-s3-"));
  const accessKeyId = `TEST${randomBytes(8).toString("hex").toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString("base64url");
  // stdin stays an open pipe: the server exits when it closes, so it cannot outlive us.
  const child = spawn(process.execPath, [SERVER_ENTRY, directory], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      S3_TEST_ACCESS_KEY_ID: accessKeyId,
      S3_TEST_SECRET_ACCESS_KEY: secretAccessKey,
      S3_TEST_BUCKETS: JSON.stringify(options.buckets ?? []),
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      child.kill("SIGTERM");
    }
    await exited;
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const port = await readAnnouncedPort(child.stdout, exited, "s3 server");
    child.stdout.resume(); // nothing more is expected, but a full pipe must never block the server
    return { endpoint: `http://127.0.0.1:${port}`, accessKeyId, secretAccessKey, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The app's settings (STORAGE=s3) for a bucket of this server, under a key prefix. */
export function s3StorageEnv(server: S3Server, bucket: string, prefix: string): Record<string, string> {
  return {
    STORAGE: "s3",
    S3_BUCKET: bucket,
    S3_PREFIX: prefix,
    S3_ENDPOINT: server.endpoint,
    S3_ACCESS_KEY_ID: server.accessKeyId,
    S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    // The endpoint is an IP address: there is no host name to put a bucket in.
    S3_FORCE_PATH_STYLE: "true",
  };
}
