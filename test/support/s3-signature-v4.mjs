/**
 * Checks AWS Signature Version 4 on requests to the test S3 server.
 *
 * s3rver 3.7 verifies only the old V2 signatures: for V4, which every current
 * SDK uses, it looks up the access key id and never checks the signature, so a
 * wrong secret is accepted (lib/middleware/authentication.js, "Signature version
 * 4 calculation is unimplemeneted"). This check runs in front of it so that
 * tests about refused credentials and tampered URLs mean something.
 *
 * Both forms are checked: the Authorization header and the presigned query
 * (X-Amz-Signature). The payload hash is taken as declared, as s3rver does
 * (S3 would also hash the body; our tests never lie about it). Clock skew and
 * expiry are left to s3rver, which checks them.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

const ALGORITHM = "AWS4-HMAC-SHA256";

/**
 * Why the request must be refused, as an S3 error code and message; null when
 * its V4 signature is right or it carries no V4 signature at all (the caller
 * decides about anonymous and V2 requests).
 */
export function signatureV4Refusal(req, credentials) {
  const url = new URL(req.url ?? "/", "http://s3.invalid");
  const auth = req.headers.authorization;
  const signed = auth?.startsWith(`${ALGORITHM} `)
    ? fromHeader(auth, req)
    : url.searchParams.get("X-Amz-Algorithm") === ALGORITHM
      ? fromQuery(url)
      : null;
  if (!signed) return null;
  if (signed.accessKeyId !== credentials.accessKeyId) {
    return { code: "InvalidAccessKeyId", message: "The AWS Access Key Id you provided does not exist in our records." };
  }
  const canonicalRequest = [
    req.method,
    // S3 signs the path exactly as sent (already escaped once, never twice).
    rawPath(req.url ?? "/"),
    canonicalQuery(req.url ?? "/"),
    signed.headers.map((name) => `${name}:${headerValue(req, name)}\n`).join(""),
    signed.headers.join(";"),
    signed.payloadHash,
  ].join("\n");
  const stringToSign = [ALGORITHM, signed.amzDate, signed.scope.join("/"), sha256Hex(canonicalRequest)].join("\n");
  let key = Buffer.from(`AWS4${credentials.secretAccessKey}`);
  for (const part of signed.scope) key = hmac(key, part);
  const expected = hmac(key, stringToSign).toString("hex");
  const given = Buffer.from(signed.signature);
  if (given.length === expected.length && timingSafeEqual(given, Buffer.from(expected))) return null;
  return {
    code: "SignatureDoesNotMatch",
    message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
  };
}

function fromHeader(auth, req) {
  const fields = new Map(
    auth
      .slice(ALGORITHM.length)
      .split(",")
      .map((field) => field.trim().split("=", 2)),
  );
  const [accessKeyId, ...scope] = (fields.get("Credential") ?? "").split("/");
  return {
    accessKeyId,
    scope,
    headers: (fields.get("SignedHeaders") ?? "").split(";"),
    signature: fields.get("Signature") ?? "",
    amzDate: String(req.headers["x-amz-date"] ?? ""),
    payloadHash: String(req.headers["x-amz-content-sha256"] ?? ""),
  };
}

function fromQuery(url) {
  const query = url.searchParams;
  const [accessKeyId, ...scope] = (query.get("X-Amz-Credential") ?? "").split("/");
  return {
    accessKeyId,
    scope,
    headers: (query.get("X-Amz-SignedHeaders") ?? "").split(";"),
    signature: query.get("X-Amz-Signature") ?? "",
    amzDate: query.get("X-Amz-Date") ?? "",
    payloadHash: query.get("X-Amz-Content-Sha256") ?? "UNSIGNED-PAYLOAD",
  };
}

function rawPath(target) {
  const end = target.indexOf("?");
  return end === -1 ? target : target.slice(0, end);
}

/** Every parameter but the signature itself, decoded, re-encoded the RFC 3986 way, sorted. */
function canonicalQuery(target) {
  const start = target.indexOf("?");
  if (start === -1) return "";
  return target
    .slice(start + 1)
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const at = pair.indexOf("=");
      const name = decode(at === -1 ? pair : pair.slice(0, at));
      const value = at === -1 ? "" : decode(pair.slice(at + 1));
      return [encodeRfc3986(name), encodeRfc3986(value)];
    })
    .filter(([name]) => name !== "X-Amz-Signature")
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

function decode(text) {
  return decodeURIComponent(text.replace(/\+/g, " "));
}

function encodeRfc3986(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Repeated headers joined by commas, spaces trimmed and squeezed, as V4 canonicalises them. */
function headerValue(req, name) {
  const values = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() === name) values.push(req.rawHeaders[i + 1].trim().replace(/\s+/g, " "));
  }
  return values.join(",");
}

function hmac(key, text) {
  return createHmac("sha256", key).update(text, "utf8").digest();
}

function sha256Hex(text) {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
