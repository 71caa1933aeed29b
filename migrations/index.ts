import { Migration20261122000000_catalog } from "./Migration20261122000000_catalog.js";

/** Every migration, in order. Listed explicitly so the same code runs under tsx and from a build. */
export const migrationsList = [{ name: "Migration20261122000000_catalog", class: Migration20261122000000_catalog }];
