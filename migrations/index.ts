import { Migration20261122000000_catalog } from "./Migration20261122000000_catalog.js";
import { Migration20261122010000_analysis } from "./Migration20261122010000_analysis.js";

/** Every migration, in order. Listed explicitly so the same code runs under tsx and from a build. */
export const migrationsList = [
  { name: "Migration20261122000000_catalog", class: Migration20261122000000_catalog },
  { name: "Migration20261122010000_analysis", class: Migration20261122010000_analysis },
];
