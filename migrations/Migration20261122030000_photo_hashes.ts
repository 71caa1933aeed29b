import { Migration } from "@mikro-orm/migrations";

/**
 * Duplicate photos. An exact copy (same sha256) is refused: the unique
 * constraint makes that race-safe, and replaces the plain index photo_sha256.
 * A near copy is found by its 64-bit perceptual hash (null for photos stored
 * before it existed) through multi-index hashing: the hash is cut into four
 * 16-bit bands, each a stored generated column with its own btree index. Two
 * hashes within d bits share, by pigeonhole, some band within floor(d/4) bits
 * of each other, so probing every band with all values that close finds every
 * match (see catalog/near-duplicate-sql.ts). The indexes include the hash and
 * the id, so candidates are checked by index-only scans.
 */
export class Migration20261122030000_photo_hashes extends Migration {
  override async up(): Promise<void> {
    // Fails, naming the sha256, if a catalogue already holds the same file twice: remove one copy first.
    this.addSql(`alter table photo add constraint photo_sha256_unique unique (sha256);`);
    this.addSql(`drop index photo_sha256;`);
    this.addSql(`alter table photo add column perceptual_hash bigint;`);
    // Band n holds bits 16n..16n+15 as 0..65535. Stored, not virtual: only stored generated columns can be indexed.
    this.addSql(`
      alter table photo
        add column phash_band_0 integer generated always as ((perceptual_hash & 65535)::integer) stored,
        add column phash_band_1 integer generated always as (((perceptual_hash >> 16) & 65535)::integer) stored,
        add column phash_band_2 integer generated always as (((perceptual_hash >> 32) & 65535)::integer) stored,
        add column phash_band_3 integer generated always as (((perceptual_hash >> 48) & 65535)::integer) stored;`);
    this.addSql(`create index photo_phash_band_0 on photo (phash_band_0) include (perceptual_hash, id);`);
    this.addSql(`create index photo_phash_band_1 on photo (phash_band_1) include (perceptual_hash, id);`);
    this.addSql(`create index photo_phash_band_2 on photo (phash_band_2) include (perceptual_hash, id);`);
    this.addSql(`create index photo_phash_band_3 on photo (phash_band_3) include (perceptual_hash, id);`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table photo drop column perceptual_hash cascade;`); // and the bands computed from it
    this.addSql(`create index photo_sha256 on photo (sha256);`);
    this.addSql(`alter table photo drop constraint photo_sha256_unique;`);
  }
}
