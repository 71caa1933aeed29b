import { Migration20261122000000_catalog } from "./Migration20261122000000_catalog.js";
import { Migration20261122010000_analysis } from "./Migration20261122010000_analysis.js";
import { Migration20261122020000_weighted_tags } from "./Migration20261122020000_weighted_tags.js";
import { Migration20261122030000_photo_hashes } from "./Migration20261122030000_photo_hashes.js";
import { Migration20261122050000_caption } from "./Migration20261122050000_caption.js";
import { Migration20261122060000_tag_confidence } from "./Migration20261122060000_tag_confidence.js";
import { Migration20261130000000_visual_embeddings } from "./Migration20261130000000_visual_embeddings.js";
import { Migration20261130010000_no_unidentified_tag } from "./Migration20261130010000_no_unidentified_tag.js";
import { Migration20261201000000_api_keys } from "./Migration20261201000000_api_keys.js";
import { Migration20261202000000_rate_limits } from "./Migration20261202000000_rate_limits.js";
import { Migration20261203000000_trusted_documents_only } from "./Migration20261203000000_trusted_documents_only.js";
import { Migration20261204000000_unlogged_rate_limits } from "./Migration20261204000000_unlogged_rate_limits.js";
import { Migration20261205000000_product_details } from "./Migration20261205000000_product_details.js";
import { Migration20261206000000_attribute_filter } from "./Migration20261206000000_attribute_filter.js";
import { Migration20261207000000_product_imports } from "./Migration20261207000000_product_imports.js";
import { Migration20261208000000_catalogue_changed } from "./Migration20261208000000_catalogue_changed.js";
import { Migration20261209000000_newest_certain_carriers } from "./Migration20261209000000_newest_certain_carriers.js";

/** Every migration, in order. Listed explicitly so the same code runs under tsx and from a build. */
export const migrationsList = [
  { name: "Migration20261122000000_catalog", class: Migration20261122000000_catalog },
  { name: "Migration20261122010000_analysis", class: Migration20261122010000_analysis },
  { name: "Migration20261122020000_weighted_tags", class: Migration20261122020000_weighted_tags },
  { name: "Migration20261122030000_photo_hashes", class: Migration20261122030000_photo_hashes },
  { name: "Migration20261122050000_caption", class: Migration20261122050000_caption },
  { name: "Migration20261122060000_tag_confidence", class: Migration20261122060000_tag_confidence },
  { name: "Migration20261130000000_visual_embeddings", class: Migration20261130000000_visual_embeddings },
  { name: "Migration20261130010000_no_unidentified_tag", class: Migration20261130010000_no_unidentified_tag },
  { name: "Migration20261201000000_api_keys", class: Migration20261201000000_api_keys },
  { name: "Migration20261202000000_rate_limits", class: Migration20261202000000_rate_limits },
  { name: "Migration20261203000000_trusted_documents_only", class: Migration20261203000000_trusted_documents_only },
  { name: "Migration20261204000000_unlogged_rate_limits", class: Migration20261204000000_unlogged_rate_limits },
  { name: "Migration20261205000000_product_details", class: Migration20261205000000_product_details },
  { name: "Migration20261206000000_attribute_filter", class: Migration20261206000000_attribute_filter },
  { name: "Migration20261207000000_product_imports", class: Migration20261207000000_product_imports },
  { name: "Migration20261208000000_catalogue_changed", class: Migration20261208000000_catalogue_changed },
  { name: "Migration20261209000000_newest_certain_carriers", class: Migration20261209000000_newest_certain_carriers },
];
