import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

/**
 * The prebuilt browser files GraphiQL runs on, straight from node_modules:
 * nothing is bundled and nothing comes from a CDN. Served under their own
 * file names, so the bundles' sourceMappingURL comments resolve too.
 */
const BROWSER_FILES = [
  ["react", "umd/react.production.min.js"],
  ["react-dom", "umd/react-dom.production.min.js"],
  // graphiql 4 is the last major with a UMD build (it expects window.React and window.ReactDOM 18).
  ["graphiql", "dist/index.umd.js"],
  ["graphiql", "dist/index.umd.js.map"],
  ["graphiql", "dist/style.css"],
  ["graphql-ws", "umd/graphql-ws.min.js"],
] as const;

/** File name -> absolute path, for the files that exist (source maps are optional). */
export function resolveBrowserAssets(): Map<string, string> {
  const assets = new Map<string, string>();
  for (const [pkg, file] of BROWSER_FILES) {
    const absolute = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
    if (existsSync(absolute)) assets.set(path.basename(file), absolute);
    else if (!file.endsWith(".map")) throw new Error(`GraphiQL asset missing: ${pkg}/${file} (run npm install)`);
  }
  return assets;
}
