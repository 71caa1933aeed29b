import { createInterface } from "node:readline";

const START_TIMEOUT_MS = 15_000;

/**
 * The port a test server in a child process announces as one JSON line on
 * stdout ({"port": 1234}); other lines are ignored. Fails when the child
 * exits, closes stdout or takes too long first. `name` says which server in
 * the errors.
 */
export async function readAnnouncedPort(stdout: NodeJS.ReadableStream, exited: Promise<void>, name: string): Promise<number> {
  const lines = createInterface({ input: stdout });
  let timer: NodeJS.Timeout | undefined;
  const firstPortLine = (async () => {
    for await (const line of lines) {
      const port = parsePortLine(line);
      if (port !== null) return port;
    }
    throw new Error(`${name} closed its stdout before printing a port`);
  })();
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not start in time`)), START_TIMEOUT_MS);
    void exited.then(() => reject(new Error(`${name} exited before printing a port`)));
  });
  try {
    return await Promise.race([firstPortLine, failed]);
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}

function parsePortLine(line: string): number | null {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === "object" && value !== null && "port" in value && typeof value.port === "number") return value.port;
  } catch {
    // Not the port line; be lenient about anything else on stdout.
  }
  return null;
}
