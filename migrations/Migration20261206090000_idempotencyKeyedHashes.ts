import { Migration } from '@mikro-orm/migrations';

/**
 * Input hashes of idempotent writes become keyed (HMAC-SHA256 under OMNI360_IDEMPOTENCY_KEY, stored as
 * `hmac1.<key id>.<hex>`). The plain sha256 hashes written before confirm a guessed e-mail or message
 * body to whoever reads the database, and the keyed ones cannot be computed from them: they are
 * replaced by 'retired'. Such a row answers replays of its own writer (its input can no longer be
 * compared) and refuses other writers, like every row (docs/reliability.md, "Idempotency").
 */
export class Migration20261206090000_idempotencyKeyedHashes extends Migration {

  override async up(): Promise<void> {
    this.addSql(`update "order" set "request_hash" = 'retired' where "request_hash" not like 'hmac1.%' and "request_hash" <> 'retired';`);
    this.addSql(`update "interaction" set "input_hash" = 'retired' where "input_hash" not like 'hmac1.%' and "input_hash" <> 'retired';`);
    this.addSql(`update "stock_movement" set "request_hash" = 'retired' where "request_hash" not like 'hmac1.%' and "request_hash" <> 'retired';`);
  }

  override async down(): Promise<void> {
    // Nothing to restore: the plain hashes are gone on purpose. Code from before this migration answers
    // IDEMPOTENCY_CONFLICT for a retired row.
  }
}
