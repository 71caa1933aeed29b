import { Migration } from "@mikro-orm/migrations";

/**
 * What every photo looks like, as a vector (analysis/embedding.ts), and an
 * IVF layout to find the nearest ones among millions on stock PostgreSQL.
 *
 * - No pgvector: vectors are contrib `cube`s. A cube holds at most 100
 *   dimensions, so a vector is stored as an array of parts of at most 100;
 *   the exact Euclidean distance is the root of the sum of the parts'
 *   squared distances, each computed in C by cube's `<->`
 *   (catalog/embedding-sql.ts writes that formula, once).
 * - `model` is the embedding model's id: vectors of different models are
 *   never compared, and a photo whose vector is of an older model is
 *   re-embedded by the backfill job.
 * - `ivf_list` is the nearest centroid (visual_list) of the model's index;
 *   null while the catalogue is small enough to scan whole. A search probes
 *   the lists nearest the query and computes exact distances there.
 */
export class Migration20261130000000_visual_embeddings extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create extension if not exists cube;`);
    this.addSql(`
      create table photo_embedding (
        photo_id uuid primary key references photo (id) on delete cascade,
        product_id uuid not null references product (id) on delete cascade,
        model text not null,
        dimension integer not null check (dimension > 0),
        parts cube[] not null,
        ivf_list integer,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index photo_embedding_list on photo_embedding (model, ivf_list);`);
    this.addSql(`create index photo_embedding_product on photo_embedding (product_id);`);
    this.addSql(`
      create table visual_list (
        model text not null,
        list integer not null,
        centroid cube[] not null,
        primary key (model, list)
      );`);
    this.addSql(`
      create table visual_index (
        model text primary key,
        dimension integer not null,
        lists integer not null,
        trained_on integer not null,
        trained_at timestamptz not null default now()
      );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table visual_index;`);
    this.addSql(`drop table visual_list;`);
    this.addSql(`drop table photo_embedding;`);
  }
}
