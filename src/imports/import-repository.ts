import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { ImportItemSpec, SubmittedItem } from "./import-items.js";

export type ImportItemStatus = "QUEUED" | "FETCHING" | "ANALYSING" | "DONE" | "SKIPPED" | "FAILED";

/** Statuses an item leaves no more (within its import; a new import of the same line starts afresh). */
export const SETTLED_STATUSES: readonly ImportItemStatus[] = ["DONE", "SKIPPED", "FAILED"];

export interface ImportItemRecord extends ImportItemSpec {
  importId: string;
  index: number;
  status: ImportItemStatus;
  errorCode: string | null;
  errorMessage: string | null;
  productId: string | null;
  analysisId: string | null;
  attempts: number;
  updatedAt: Date;
}

/** Where an import stands: its items counted by status. */
export interface ImportCounts {
  importId: string;
  createdAt: Date;
  total: number;
  /** Not settled yet: queued, being fetched, or analysing. */
  pending: number;
  done: number;
  skipped: number;
  failed: number;
}

/** How an item's job ends, or moves on to the analysis. */
export type ItemOutcome =
  | { status: "ANALYSING"; productId: string; analysisId: string }
  | { status: "SKIPPED"; productId: string }
  | { status: "FAILED"; code: string; message: string; productId?: string | null };

type ItemRow = {
  import_id: string;
  index: number;
  image_url: string;
  source_url: string;
  external_id: string | null;
  title: string | null;
  attributes: Record<string, string> | null;
  status: ImportItemStatus;
  error_code: string | null;
  error_message: string | null;
  product_id: string | null;
  analysis_id: string | null;
  attempts: number;
  updated_at: string | Date;
};

const COUNTS = `
  select i.id as import_id, i.created_at, i.item_count as total,
         count(*) filter (where it.status in ('QUEUED', 'FETCHING', 'ANALYSING'))::int as pending,
         count(*) filter (where it.status = 'DONE')::int as done,
         count(*) filter (where it.status = 'SKIPPED')::int as skipped,
         count(*) filter (where it.status = 'FAILED')::int as failed
  from product_import i join import_item it on it.import_id = i.id
  where i.id = ?::uuid
  group by i.id`;

/** The imports' SQL: an import and its items, each item's moves, and the counts progress reports. */
export class ImportRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Writes the import and all its items in one statement: items refused at
   * submission are FAILED already, the others QUEUED for their jobs.
   */
  async create(items: readonly SubmittedItem[], apiKeyId: string | null): Promise<string> {
    const importId = randomUUID();
    const rows = items.map(({ index, spec, refusal }) => ({
      index,
      image_url: spec.imageUrl,
      source_url: spec.sourceUrl,
      external_id: spec.externalId,
      title: spec.title,
      attributes: spec.attributes,
      status: refusal ? "FAILED" : "QUEUED",
      error_code: refusal?.code ?? null,
      error_message: refusal?.message ?? null,
    }));
    await this.em.execute(
      `with created as (insert into product_import (id, item_count, api_key_id) values (?::uuid, ?, ?::uuid) returning id)
       insert into import_item (import_id, index, image_url, source_url, external_id, title, attributes, status, error_code, error_message)
       select created.id, r.index, r.image_url, r.source_url, r.external_id, r.title, r.attributes, r.status, r.error_code, r.error_message
       from created, jsonb_to_recordset(?::jsonb) as r(index int, image_url text, source_url text, external_id text, title text,
         attributes jsonb, status text, error_code text, error_message text)`,
      [importId, items.length, apiKeyId, JSON.stringify(rows)],
    );
    return importId;
  }

  /**
   * Runs `write` once no other import of the same key is being written (an
   * advisory lock for the transaction), so a bound checked inside holds
   * against a concurrent import of the same key.
   */
  async exclusiveForKey<T>(apiKeyId: string | null, write: (repository: ImportRepository) => Promise<T>): Promise<T> {
    return this.em.transactional(async (tx) => {
      await tx.execute(`select pg_advisory_xact_lock(hashtext('product_import:' || coalesce(?::text, 'anonymous')))`, [apiKeyId]);
      return write(new ImportRepository(tx));
    });
  }

  /** Items of this key's imports (null: without a key) not settled yet. */
  async pendingItemsOf(apiKeyId: string | null): Promise<number> {
    const [row] = await this.em.execute<Array<{ n: number }>>(
      `select count(*)::int as n from product_import i join import_item it on it.import_id = i.id
       where i.api_key_id is not distinct from ?::uuid and it.status in ('QUEUED', 'FETCHING', 'ANALYSING')`,
      [apiKeyId],
    );
    return row?.n ?? 0;
  }

  async counts(importId: string): Promise<ImportCounts | null> {
    const [row] = await this.em.execute<Array<Omit<ImportCounts, "importId" | "createdAt"> & { import_id: string; created_at: string | Date }>>(COUNTS, [importId]);
    if (!row) return null;
    const { import_id, created_at, ...counts } = row;
    return { importId: import_id, createdAt: new Date(created_at), ...counts };
  }

  /** An import's items in order, from `afterIndex` on, optionally of one status. */
  async items(importId: string, options: { first: number; afterIndex: number | null; status: ImportItemStatus | null }): Promise<ImportItemRecord[]> {
    const rows = await this.em.execute<ItemRow[]>(
      `select * from import_item where import_id = ?::uuid and index > ? and (?::text is null or status = ?::text) order by index limit ?`,
      [importId, options.afterIndex ?? -1, options.status, options.status, options.first],
    );
    return rows.map(recordOf);
  }

  /**
   * Takes an item for its job: only a QUEUED one, or one FETCHING whose job
   * died (this run is that job's retry); null when it has moved on (a job
   * sent twice, or an item settled meanwhile).
   */
  async claim(importId: string, index: number): Promise<ImportItemRecord | null> {
    const [row] = await this.em.execute<ItemRow[]>(
      `update import_item set status = 'FETCHING', attempts = attempts + 1, updated_at = now()
       where import_id = ?::uuid and index = ? and status in ('QUEUED', 'FETCHING') returning *`,
      [importId, index],
    );
    return row ? recordOf(row) : null;
  }

  /**
   * Records how the job ended. An item moving to ANALYSING whose analysis
   * has already settled (a re-import linking an analysed photo, or a fast
   * analysis) takes the analysis's outcome at once, as the trigger would.
   */
  async settle(importId: string, index: number, outcome: ItemOutcome): Promise<void> {
    if (outcome.status === "ANALYSING") {
      // The analysis row is locked (for share) while the item moves: an analysis settling at that moment waits,
      // and its trigger then finds the item ANALYSING; one settled before is read here, as it was committed.
      const moved = await this.em.execute<unknown[]>(
        `with a as (select id, status, error_code, error_message from analysis where id = ?::uuid for share)
         update import_item it set product_id = ?::uuid, analysis_id = a.id, updated_at = now(),
           status = case a.status when 'READY' then 'DONE' when 'FAILED' then 'FAILED' else 'ANALYSING' end,
           error_code = case when a.status = 'FAILED' then a.error_code end,
           error_message = case when a.status = 'FAILED' then a.error_message end
         from a where it.import_id = ?::uuid and it.index = ? returning it.index`,
        [outcome.analysisId, outcome.productId, importId, index],
      );
      if (moved.length > 0) return;
      outcome = { status: "FAILED", code: "NOT_FOUND", message: "The product or photo was removed before its analysis finished.", productId: outcome.productId };
    }
    const error = outcome.status === "FAILED" ? outcome : { code: null, message: null };
    await this.em.execute(
      `update import_item set status = ?, product_id = ?::uuid, error_code = ?, error_message = ?, updated_at = now()
       where import_id = ?::uuid and index = ?`,
      [outcome.status, outcome.productId ?? null, error.code, error.message, importId, index],
    );
  }

  /** Items still waiting for a job after `olderThanMs`: their job may never have been sent (a crash right after the import was written). */
  async waitingItems(olderThanMs: number, limit: number): Promise<Array<{ importId: string; index: number }>> {
    const rows = await this.em.execute<Array<{ import_id: string; index: number }>>(
      `select import_id, index from import_item
       where status in ('QUEUED', 'FETCHING') and updated_at < now() - ? * interval '1 millisecond'
       order by updated_at limit ?`,
      [olderThanMs, limit],
    );
    return rows.map((row) => ({ importId: row.import_id, index: row.index }));
  }

  /**
   * The photos earlier imports stored for a product, other than `keep`: a
   * feed's new image replaces what the feed put there, not photos added by hand.
   */
  async photosImportedFor(productId: string, keep: string): Promise<string[]> {
    const rows = await this.em.execute<Array<{ photo_id: string }>>(
      `select distinct a.photo_id from import_item it join analysis a on a.id = it.analysis_id
       where it.product_id = ?::uuid and a.photo_id <> ?::uuid`,
      [productId, keep],
    );
    return rows.map((row) => row.photo_id);
  }
}

function recordOf(row: ItemRow): ImportItemRecord {
  return {
    importId: row.import_id,
    index: row.index,
    imageUrl: row.image_url,
    sourceUrl: row.source_url,
    externalId: row.external_id,
    title: row.title,
    attributes: row.attributes,
    status: row.status,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    productId: row.product_id,
    analysisId: row.analysis_id,
    attempts: row.attempts,
    updatedAt: new Date(row.updated_at),
  };
}
