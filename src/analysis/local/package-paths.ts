import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

/**
 * The folder of a file shipped inside an installed package. Model weights and
 * wasm binaries are read from node_modules, never fetched, so the panel runs
 * offline and from any working directory.
 */
export function shippedFolder(packageEntry: string, ...segments: string[]): string {
  return path.join(path.dirname(require.resolve(packageEntry)), ...segments);
}
