/**
 * A real S3-compatible server for tests: s3rver, behind a check of V4
 * signatures (see s3-signature-v4.mjs), run as its own process by
 * s3-server.ts so the SDK talks to it over real sockets.
 *
 *   node test/support/s3-server-process.mjs <directory>
 *
 * Reads S3_TEST_ACCESS_KEY_ID, S3_TEST_SECRET_ACCESS_KEY and S3_TEST_BUCKETS
 * (a JSON array of names) from the environment, stores objects under
 * <directory>, listens on 127.0.0.1 port 0 and prints `{"port":N}` on stdout.
 * Exits when stdin closes (so it never outlives the test process) or on SIGTERM.
 *
 * Requests without any signature are refused, as a private bucket refuses
 * them; s3rver alone would serve them.
 */
import http from "node:http";
import S3rver from "s3rver";
import AWSAccount from "s3rver/lib/models/account.js";
import { signatureV4Refusal } from "./s3-signature-v4.mjs";

const directory = process.argv[2];
const credentials = {
  accessKeyId: process.env.S3_TEST_ACCESS_KEY_ID ?? "",
  secretAccessKey: process.env.S3_TEST_SECRET_ACCESS_KEY ?? "",
};
const buckets = JSON.parse(process.env.S3_TEST_BUCKETS ?? "[]");
if (!directory || !credentials.accessKeyId || !credentials.secretAccessKey) {
  console.error("usage: S3_TEST_ACCESS_KEY_ID=… S3_TEST_SECRET_ACCESS_KEY=… node s3-server-process.mjs <directory>");
  process.exit(2);
}

// s3rver knows one built-in key pair; ours joins it so that s3rver's own checks (V2 signatures, key ids) accept it.
AWSAccount.DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);

const s3rver = new S3rver({ directory, silent: true, configureBuckets: buckets.map((name) => ({ name })) });
await s3rver.configureBuckets();
const handle = s3rver.callback();

const server = http.createServer((req, res) => {
  const refusal = isSigned(req)
    ? signatureV4Refusal(req, credentials)
    : { code: "AccessDenied", message: "Anonymous access is not allowed." };
  if (!refusal) return void handle(req, res);
  req.resume(); // drop any body we will not read
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message></Error>`;
  res.writeHead(403, { "content-type": "application/xml", "content-length": Buffer.byteLength(xml) });
  res.end(req.method === "HEAD" ? undefined : xml);
});

function isSigned(req) {
  const query = new URL(req.url ?? "/", "http://s3.invalid").searchParams;
  return "authorization" in req.headers || query.has("X-Amz-Algorithm") || query.has("Signature");
}

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === "object" && address ? address.port : null })}\n`);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on("SIGTERM", shutdown);
process.stdin.on("end", shutdown);
process.stdin.resume();
