import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Channel } from './channel';
import { ConnectionType } from './pagination';
import type { Principal } from './auth';
import { canReadType } from './role-policy';

/** What a timeline entry records; each value has exactly one source, declared by one module. */
export enum TimelineEntryKind {
  ORDER = 'ORDER',
  INTERACTION = 'INTERACTION',
  HANDOVER = 'HANDOVER',
  OFFER_RESPONSE = 'OFFER_RESPONSE',
  CONSENT = 'CONSENT',
  MERGE = 'MERGE',
}

registerEnumType(TimelineEntryKind, {
  name: 'TimelineEntryKind',
  description: 'What kind of record a timeline entry is; the typed field of the same name (order, interaction, handover, offer) holds the record.',
  valuesConfig: {
    ORDER: { description: 'An order was placed (or imported); `order` holds it.' },
    INTERACTION: { description: 'A contact in any channel; `interaction` and `conversation` hold it.' },
    HANDOVER: { description: 'A conversation changed hands; `handover` and `conversation` hold it.' },
    OFFER_RESPONSE: { description: 'The customer was presented an offer, or accepted or declined it; `offer` holds the offer.' },
    CONSENT: { description: 'A consent was granted or withdrawn.' },
    MERGE: { description: 'Another customer record was merged into this one (or a merge was undone).' },
  },
});

/** A kind as sources write it (the enum's string values, so modules may write 'ORDER'). */
export type TimelineKind = `${TimelineEntryKind}`;

const KINDS = new Set<string>(Object.values(TimelineEntryKind));

/**
 * One source of `Customer.timeline` entries: orders, interactions, handovers, offer responses, consent
 * changes, merges. Each module declares its own sources (`OmniModule.timelineSources`), so the timeline
 * is built from ONE union-all statement over every wired table without the timeline knowing those tables.
 */
export interface TimelineSource {
  /** Stable kind of the entries, e.g. ORDER, INTERACTION; also the last tie-breaker of the order. */
  kind: TimelineKind;
  /**
   * A SELECT of one customer's entries with exactly these columns, in this order:
   * `id text, at timestamptz, channel text|null, summary text|null, parent_id text|null`.
   * `customerId` is an SQL expression (a column of the outer query) to filter on. No `?` parameters:
   * the statement is assembled around it. `summary` must be free of personal data (it is not masked).
   */
  select: (customerId: string) => string;
  /**
   * The GraphQL type of the record behind the entries (e.g. Order): a role that may not read it gets no
   * such entries at all (their summaries carry its figures), per the role policy.
   */
  reveals?: string;
}

let sources: readonly TimelineSource[] = [];

/** Replaces the timeline's sources: called by wireModules (src/modules/wiring.ts) only. */
export function installTimelineSources(entries: readonly TimelineSource[]): void {
  for (const entry of entries) {
    // A new kind of record is a new value of the TimelineEntryKind enum first (the schema tells clients).
    if (!KINDS.has(entry.kind)) throw new Error(`timeline kind "${entry.kind}" is not a TimelineEntryKind value`);
  }
  sources = [...entries];
}

/** The sources whose entries `principal` may see (the timeline and its count use the same). */
export function timelineSourcesFor(principal: Principal | undefined): readonly TimelineSource[] {
  return sources.filter((source) => !source.reveals || canReadType(principal, source.reveals));
}

/** A timeline entry as the union-all statement returns it. */
export interface TimelineEntryRow {
  customerId: string;
  kind: TimelineKind;
  id: string;
  at: string | Date;
  channel: Channel | null;
  summary: string | null;
  /** The record this entry belongs to, e.g. the conversation of an interaction or a handover. */
  parentId: string | null;
}

/**
 * One entry of a customer's history. The common fields say what and when; the typed fields
 * (interaction, conversation, handover, order, ...) are added by the module owning the kind, with
 * field resolvers on this type, and are null for entries of other kinds.
 */
@ObjectType('TimelineEntry', { description: 'One event of a customer\'s history: what happened, when, where, and the record itself.' })
export class TimelineEntryType {
  @Field(() => ID, { description: 'Id of the underlying record (an interaction, an order, a handover, a consent record, a merge, ...).' })
  id!: string;

  @Field(() => TimelineEntryKind, { description: 'What kind of record: ORDER, INTERACTION, HANDOVER, OFFER_RESPONSE, CONSENT, MERGE.' })
  kind!: TimelineKind;

  @Field(() => Date, { description: 'When it happened.' })
  at!: Date;

  @Field(() => Channel, { nullable: true, description: 'The channel it happened in, when it has one.' })
  channel!: Channel | null;

  @Field(() => String, { nullable: true, description: 'A short description without personal data, e.g. "Inbound CHAT".' })
  summary!: string | null;

  customerId!: string;
  parentId!: string | null;
}

export const TimelineConnection = ConnectionType(TimelineEntryType, 'Timeline');
