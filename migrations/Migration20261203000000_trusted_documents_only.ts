import { Migration } from "@mikro-orm/migrations";

/**
 * Keys for first-party frontends (src/trusted-documents/): with
 * TRUSTED_DOCUMENTS=keys, such a key runs only the documents of the SDK's
 * persisted-document manifest, never query text. Existing keys keep full
 * GraphQL, as before.
 */
export class Migration20261203000000_trusted_documents_only extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table api_key add column trusted_documents_only boolean not null default false;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table api_key drop column trusted_documents_only;`);
  }
}
