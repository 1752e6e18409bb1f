import type { Context } from '../../context/context';
import { CommonErrorCode, DomainError } from '../../common/errors';
import { newId, isIdOf } from '../../common/ids';
import { inTransaction, query, queryOne } from '../../database/sql';
import { comparePositions, decodeEventCursor, encodeEventCursor, LOG_START, type LogPosition } from '../events/event-cursor';
import { readLog, type SqlRunner } from '../events/event-reader';
import { openWebhookPipeline, type WebhookPipeline } from './webhook-execution';
import { newWebhookSecret } from './webhook-signature';
import { checkWebhookUrl, WebhookUrlError } from './webhook-url';
import { WebhookDeliveryStatus } from './webhook.enums';
import { WebhookErrorCode } from './webhook.errors';
import type { CreateWebhookParams, RotateWebhookSecretParams, UpdateWebhookParams } from './webhook.model';
import { DELIVERY_COLUMNS } from './webhook.loaders';
import type { WebhookDeliveryRow, WebhookDeliveryType, WebhookRow, WebhookType } from './webhook.type';

/** Webhooks one owner may have. */
export const MAX_WEBHOOKS_PER_OWNER = 100;
const MAX_DESCRIPTION = 500;
const MAX_DOCUMENT = 20_000;

const COLUMNS = `id, url, description, query, operation_name as "operationName", variables, owner_role as "ownerRole", owner_name as "ownerName",
  status, position_xid::text as "positionXid", position_id::text as "positionId", last_error as "lastError", failing_since as "failingSince",
  created_at as "createdAt", updated_at as "updatedAt"`;

export function toWebhookType(row: WebhookRow): WebhookType {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    subscription: row.query,
    operationName: row.operationName,
    variables: row.variables,
    ownerRole: row.ownerRole,
    owner: row.ownerName,
    status: row.status,
    cursor: encodeEventCursor({ xid: BigInt(row.positionXid), id: BigInt(row.positionId) }),
    lastError: row.lastError,
    failingSince: row.failingSince,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** A delivery row as GraphQL shows it (its cursor encoded, no next attempt once delivered). */
export function toDeliveryType(row: WebhookDeliveryRow): WebhookDeliveryType {
  return {
    id: row.id,
    eventId: row.eventId,
    eventCursor: encodeEventCursor({ xid: BigInt(row.eventXid), id: BigInt(row.eventId) }),
    eventType: row.eventType,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === WebhookDeliveryStatus.DELIVERED ? null : row.nextAttemptAt,
    lastAttemptAt: row.lastAttemptAt,
    lastResponseStatus: row.lastResponseStatus,
    lastError: row.lastError,
    deliveredAt: row.deliveredAt,
    createdAt: row.createdAt,
  };
}

/**
 * ADMIN sees every webhook; a PARTNER only its own (the resolvers admit no other role). The owner is
 * role, name AND kind of credential: a JWT whose subject is an API key's name is another owner (as it
 * is another writer: writerOf), so it never reads or manages that key's webhooks. `alias` qualifies
 * the columns when the webhook table is joined.
 */
function ownership(ctx: Context, alias = ''): { sql: string; params: unknown[] } {
  if (ctx.principal?.role === 'ADMIN') return { sql: 'true', params: [] };
  const column = (name: string) => `${alias && `${alias}.`}${name}`;
  return {
    sql: `${column('owner_role')} = ? and ${column('owner_name')} = ? and ${column('owner_via')} = ?`,
    params: [ctx.principal?.role ?? '', ctx.principal?.name ?? '', ctx.principal?.via ?? ''],
  };
}

function runner(ctx: Context): SqlRunner {
  return <T>(sql: string, params: unknown[]) => query<T>(ctx.em, sql, params);
}

/** Webhooks the caller may manage, oldest first. */
export async function listWebhooks(ctx: Context): Promise<WebhookType[]> {
  const own = ownership(ctx);
  const rows = await query<WebhookRow>(ctx.em, `select ${COLUMNS} from webhook where ${own.sql} order by created_at, id`, own.params);
  return rows.map(toWebhookType);
}

/** One webhook the caller may manage, or null (another owner's webhook is as unknown as a missing one). */
export async function getWebhook(ctx: Context, id: string): Promise<WebhookType | null> {
  const row = await findOwned(ctx, id);
  return row ? toWebhookType(row) : null;
}

/** One delivery of a webhook the caller may manage (node(id)), or null, as for its webhook. */
export async function getWebhookDelivery(ctx: Context, id: string): Promise<WebhookDeliveryType | null> {
  if (!isIdOf('WebhookDelivery', id)) return null;
  const own = ownership(ctx, 'w');
  const row = await queryOne<WebhookDeliveryRow>(
    ctx.em,
    `select ${DELIVERY_COLUMNS} from webhook_delivery t join webhook w on w.id = t.webhook_id where t.id = ? and ${own.sql}`,
    [id, ...own.params],
  );
  return row ? toDeliveryType(row) : null;
}

async function findOwned(ctx: Context, id: string, lock = false): Promise<WebhookRow | undefined> {
  if (!isIdOf('Webhook', id)) return undefined;
  const own = ownership(ctx);
  return queryOne<WebhookRow>(ctx.em, `select ${COLUMNS} from webhook where id = ? and ${own.sql}${lock ? ' for update' : ''}`, [id, ...own.params]);
}

async function mustOwn(ctx: Context, id: string, lock = false): Promise<WebhookRow> {
  const row = await findOwned(ctx, id, lock);
  if (!row) throw new DomainError(CommonErrorCode.NOT_FOUND, `No webhook ${id}.`, ['id']);
  return row;
}

async function checkUrl(ctx: Context, url: string, field: string[]): Promise<void> {
  try {
    await checkWebhookUrl(url, ctx.config.webhooks.allowPrivate);
  } catch (error) {
    if (error instanceof WebhookUrlError) throw new DomainError(WebhookErrorCode.INVALID_URL, error.message, field);
    throw error;
  }
}

/** Runs the document as its owner would on a socket; refuses it with the errors the socket would give. */
async function checkDocument(
  ctx: Context,
  document: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  owner: { role: string; name: string; via: string },
  field: string[],
): Promise<void> {
  if (document.query.length > MAX_DOCUMENT)
    throw new DomainError(WebhookErrorCode.INVALID_SUBSCRIPTION, `The document is longer than ${MAX_DOCUMENT} characters.`, field);
  if (!ctx.app.schema) throw new Error('The server did not hand its schema to the application state.');
  const opened = await openWebhookPipeline(ctx.app, ctx.app.schema, { ...document, owner: owner as never });
  if (Array.isArray(opened)) {
    throw new DomainError(WebhookErrorCode.INVALID_SUBSCRIPTION, (opened as { message: string }[]).map((error) => error.message).join(' '), field);
  }
  await (opened as WebhookPipeline).close();
}

function checkDescription(description: string | null | undefined): void {
  if (description && description.length > MAX_DESCRIPTION) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, `description takes at most ${MAX_DESCRIPTION} characters.`, ['input', 'description']);
  }
}

/** A cursor argument within retention, or a coded userError (never a silent gap). */
async function positionAfter(ctx: Context, cursor: string, field: string[]): Promise<LogPosition> {
  let position: LogPosition;
  try {
    position = decodeEventCursor(cursor);
  } catch {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, 'This is not an event cursor.', field);
  }
  const probe = await readLog(runner(ctx), { after: position, upTo: position, limit: 1 });
  if (probe.purgedThrough && comparePositions(position, probe.purgedThrough) < 0) {
    throw new DomainError(
      WebhookErrorCode.CURSOR_EXPIRED,
      `This cursor is older than the retention window (${ctx.config.eventRetentionDays} days): events after it were purged.`,
      field,
    );
  }
  return position;
}

/** Where "from now on" starts: every event below the log's horizon has happened before. */
async function currentPosition(ctx: Context): Promise<LogPosition> {
  const read = await readLog(runner(ctx), { after: LOG_START, limit: 0 });
  return { xid: read.horizon, id: 0n };
}

/** createWebhook: checks the URL and the document (as the caller, its owner), stores it with a new secret. */
export async function createWebhook(ctx: Context, input: CreateWebhookParams): Promise<{ webhook: WebhookType; secret: string }> {
  const principal = ctx.principal!;
  await checkUrl(ctx, input.url, ['input', 'url']);
  checkDescription(input.description);
  await checkDocument(ctx, { query: input.subscription, operationName: input.operationName, variables: input.variables }, principal, ['input', 'subscription']);
  const start = input.after ? await positionAfter(ctx, input.after, ['input', 'after']) : await currentPosition(ctx);
  const secret = newWebhookSecret();
  const id = newId('Webhook');
  const row = await inTransaction(ctx.em, async (em) => {
    // Serialises creations of one owner so the limit holds under concurrency.
    await query(em, `select pg_advisory_xact_lock(hashtextextended(?, 0))`, [`omni360.webhook-owner:${principal.via}:${principal.role}:${principal.name}`]);
    const [{ count }] = await query<{ count: string }>(em, `select count(*) as count from webhook where owner_role = ? and owner_name = ? and owner_via = ?`, [
      principal.role,
      principal.name,
      principal.via,
    ]);
    if (Number(count) >= MAX_WEBHOOKS_PER_OWNER) {
      throw new DomainError(WebhookErrorCode.TOO_MANY_WEBHOOKS, `An owner may have at most ${MAX_WEBHOOKS_PER_OWNER} webhooks.`);
    }
    const [created] = await query<WebhookRow>(
      em,
      `insert into webhook (id, url, description, query, operation_name, variables, owner_role, owner_name, owner_via, secret, status, position_xid, position_id)
       values (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, 'ACTIVE', ?::xid8, ?::bigint) returning ${COLUMNS}`,
      [
        id,
        input.url,
        input.description ?? null,
        input.subscription,
        input.operationName ?? null,
        input.variables ? JSON.stringify(input.variables) : null,
        principal.role,
        principal.name,
        principal.via,
        secret,
        start.xid.toString(),
        start.id.toString(),
      ],
    );
    return created;
  });
  ctx.app.webhooks?.nudge();
  return { webhook: toWebhookType(row), secret };
}

/** updateWebhook: a new document is checked as the webhook's owner (not as an ADMIN editing it). */
export async function updateWebhook(ctx: Context, input: UpdateWebhookParams): Promise<{ webhook: WebhookType }> {
  const current = await mustOwn(ctx, input.id);
  if (input.url != null) await checkUrl(ctx, input.url, ['input', 'url']);
  checkDescription(input.description);
  const documentChanged = input.subscription != null || input.operationName !== undefined || input.variables !== undefined;
  const document = {
    query: input.subscription ?? current.query,
    operationName: input.operationName !== undefined ? input.operationName : current.operationName,
    variables: input.variables !== undefined ? input.variables : current.variables,
  };
  if (documentChanged) {
    const [owner] = await query<{ role: string; name: string; via: string }>(
      ctx.em,
      `select owner_role as role, owner_name as name, owner_via as via from webhook where id = ?`,
      [current.id],
    );
    await checkDocument(ctx, document, owner, ['input', 'subscription']);
  }
  const [row] = await query<WebhookRow>(
    ctx.em,
    `update webhook set url = ?, description = ?, query = ?, operation_name = ?, variables = ?::jsonb, updated_at = clock_timestamp()
      where id = ? returning ${COLUMNS}`,
    [
      input.url ?? current.url,
      input.description !== undefined ? input.description : current.description,
      document.query,
      document.operationName ?? null,
      document.variables ? JSON.stringify(document.variables) : null,
      current.id,
    ],
  );
  return { webhook: toWebhookType(row) };
}

/** pauseWebhook: nothing is evaluated or sent until resumeWebhook; the cursor and pending deliveries stay. */
export async function pauseWebhook(ctx: Context, id: string): Promise<{ webhook: WebhookType }> {
  const row = await inTransaction(ctx.em, async (em) => {
    await mustOwn({ ...ctx, em }, id, true);
    // Parked until resumeWebhook: not due, they stay out of the delivery claims.
    await query(em, `update webhook_delivery set next_attempt_at = 'infinity' where webhook_id = ? and status = 'PENDING'`, [id]);
    const [updated] = await query<WebhookRow>(em, `update webhook set status = 'PAUSED', updated_at = clock_timestamp() where id = ? returning ${COLUMNS}`, [
      id,
    ]);
    return updated;
  });
  return { webhook: toWebhookType(row) };
}

/**
 * resumeWebhook: a PAUSED or FAILING webhook goes on from its cursor, pending deliveries first (each
 * gets a new retry window): nothing was skipped while it did not deliver.
 */
export async function resumeWebhook(ctx: Context, id: string): Promise<{ webhook: WebhookType }> {
  const row = await inTransaction(ctx.em, async (em) => {
    await mustOwn({ ...ctx, em }, id, true);
    await query(em, `update webhook_delivery set window_started_at = now(), next_attempt_at = now() where webhook_id = ? and status = 'PENDING'`, [id]);
    const [updated] = await query<WebhookRow>(
      em,
      `update webhook set status = 'ACTIVE', failing_since = null, last_error = null, updated_at = clock_timestamp() where id = ? returning ${COLUMNS}`,
      [id],
    );
    return updated;
  });
  ctx.app.webhooks?.nudge();
  return { webhook: toWebhookType(row) };
}

/** replayWebhook: the webhook's cursor goes to `after`; every matching event after it is delivered again (same delivery ids). */
export async function replayWebhook(ctx: Context, id: string, after: string): Promise<{ webhook: WebhookType }> {
  await mustOwn(ctx, id);
  const position = await positionAfter(ctx, after, ['after']);
  const [row] = await query<WebhookRow>(ctx.em, `update webhook set position_xid = ?::xid8, position_id = ?::bigint where id = ? returning ${COLUMNS}`, [
    position.xid.toString(),
    position.id.toString(),
    id,
  ]);
  ctx.app.webhooks?.nudge();
  return { webhook: toWebhookType(row) };
}

/** deleteWebhook: the webhook and its deliveries (pending ones are not sent). */
export async function deleteWebhook(ctx: Context, id: string): Promise<{ deletedId: string }> {
  await inTransaction(ctx.em, async (em) => {
    await mustOwn({ ...ctx, em }, id, true);
    await query(em, `delete from webhook_delivery where webhook_id = ?`, [id]);
    await query(em, `delete from webhook where id = ?`, [id]);
  });
  return { deletedId: id };
}

/** rotateWebhookSecret: a new secret; the old one keeps signing (a second signature) for a while. */
export async function rotateWebhookSecret(ctx: Context, input: RotateWebhookSecretParams): Promise<{ webhook: WebhookType; secret: string }> {
  const keep = input.keepPreviousForSeconds ?? 86_400;
  if (!Number.isInteger(keep) || keep < 0 || keep > 604_800) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, 'keepPreviousForSeconds must be between 0 and 604800.', ['input', 'keepPreviousForSeconds']);
  }
  await mustOwn(ctx, input.id);
  const secret = newWebhookSecret();
  const [row] = await query<WebhookRow>(
    ctx.em,
    `update webhook set previous_secret = secret, previous_secret_expires_at = now() + make_interval(secs => ?), secret = ?, updated_at = clock_timestamp()
      where id = ? returning ${COLUMNS}`,
    [keep, secret, input.id],
  );
  return { webhook: toWebhookType(row), secret };
}
