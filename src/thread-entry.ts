/**
 * Where a worker thread starts, for a module beside `moduleUrl`: its small
 * tsx bootstrap (`<name>.dev.mjs`) when running from TypeScript sources
 * (a new thread has none of its parent's loaders), or the emitted
 * `<name>.js` in a compiled build.
 */
export function threadEntry(moduleUrl: string, name: string): URL {
  return new URL(moduleUrl.endsWith(".ts") ? `./${name}.dev.mjs` : `./${name}.js`, moduleUrl);
}
