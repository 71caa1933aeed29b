import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";

/** Starts an embedded PostgreSQL and waits to be killed: `<dataDir> <port>`. */
const [dataDir, port] = process.argv.slice(2);
const postgres = await startEmbeddedPostgres({ dataDir: dataDir!, port: Number(port), database: "lookalike", log: () => {} });
process.stdout.write(`${JSON.stringify({ url: postgres.url })}\n`);
setInterval(() => {}, 60_000);
