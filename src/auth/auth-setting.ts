import { ConfigError, type Config } from "../config.js";

/**
 * An API open to anyone must be a choice: with NODE_ENV=production, the
 * server refuses to start until AUTH is set, to `required` or, on purpose, `off`.
 */
export function refuseUnsetAuthInProduction(config: Pick<Config, "env" | "auth">): void {
  if (config.env === "production" && !config.auth.explicit) {
    throw new ConfigError(
      "NODE_ENV=production needs AUTH=required (create a key with `npm run keys -- create --name web --scopes read`), " +
        "or AUTH=off to serve the API to anyone on purpose.",
    );
  }
}

/** The line logged at start, so that an open API never goes unnoticed. */
export function describeAuthMode(config: Pick<Config, "auth">): { level: "info" | "warn"; message: string } {
  return config.auth.mode === "required"
    ? { level: "info", message: "AUTH=required: every request needs an API key (Authorization: Bearer …) with the operation's scope" }
    : { level: "warn", message: "AUTH=off: the API is open to anyone (only key management needs an admin key); set AUTH=required to require API keys" };
}
