import {
  AssignConversationDocument, CustomerContactsDocument, CustomerTimelineDocument, GetConversationDocument, GetInteractionDocument,
  IdentifyCustomerDocument, ListConversationsDocument, type CustomerTimelineQuery, RecordInteractionDocument, ResolveConversationDocument, UpsertAgentDocument,
} from './generated/graphql';
import { newCustomerRef, rawClient, record } from './support/interactions';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

async function agent(name: string): Promise<string> {
  const res = await env.ok(UpsertAgentDocument, { input: { email: `${unique(name.split(" ")[0].toLowerCase())}@support.example.com`, name } }, TOKENS.ADMIN);
  expect(res.upsertAgent.userErrors).toEqual([]);
  return res.upsertAgent.agent!.id;
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe('a customer who chats, e-mails and calls about one matter', () => {
  it('threads chat -> e-mail -> phone into one conversation, hands it over with notes, resolves it, and shows it all on the timeline', async () => {
    const email = `${unique('ewa')}@example.com`;
    const anna = await agent('Anna Agent');
    const bob = await agent('Bob Agent');

    // Day one: a chat, answered 90 s later in the chat (CHAT target 120 s).
    const chat = await record(env, {
      channel: 'CHAT', direction: 'INBOUND', customer: { identities: [{ type: 'EMAIL', value: email }], profile: { firstName: 'Ewa' } },
      subject: 'Broken zipper', body: 'My jacket zipper broke after a week.', occurredAt: minutesAgo(30),
    });
    const conversationId = chat.conversation.id;
    const customerId = chat.customer.id;
    expect(chat.conversation).toMatchObject({ status: 'OPEN', channels: ['CHAT'] });
    const reply = await record(env, {
      channel: 'CHAT', direction: 'OUTBOUND', agentId: anna, customer: { id: customerId }, body: 'Sorry! Send us a photo.', occurredAt: new Date(Date.parse(chat.occurredAt) + 90_000).toISOString(),
    });
    expect(reply.conversation).toMatchObject({ id: conversationId, status: 'PENDING' });
    expect(reply.agent).toMatchObject({ id: anna, name: 'Anna Agent' });

    // Assigned to Anna, then the customer e-mails (same customer by e-mail identity) and calls by phone.
    const first = await env.ok(AssignConversationDocument, { input: { conversationId, agentId: anna, note: 'Zipper claim, photo requested' } });
    expect(first.assignConversation.userErrors).toEqual([]);
    expect(first.assignConversation.handover).toMatchObject({ from: null, to: { id: anna }, note: 'Zipper claim, photo requested' });
    const mail = await record(env, {
      channel: 'EMAIL', direction: 'INBOUND', customer: { identities: [{ type: 'EMAIL', value: email.toUpperCase() }] }, subject: 'Photo of the zipper', occurredAt: minutesAgo(20),
    });
    const call = await record(env, {
      channel: 'PHONE', direction: 'INBOUND', customer: { identities: [{ type: 'EMAIL', value: email }, { type: 'PHONE', value: '+48 601 555 123' }] }, occurredAt: minutesAgo(10),
    });
    expect(mail.conversation.id).toBe(conversationId);
    expect(call.conversation.id).toBe(conversationId);
    expect(call.conversation).toMatchObject({ status: 'OPEN', channels: ['CHAT', 'EMAIL', 'PHONE'] });
    expect(call.customer.id).toBe(customerId);

    // Handed over to Bob with a note, then resolved.
    const second = await env.ok(AssignConversationDocument, { input: { conversationId, agentId: bob, note: 'Customer called; please send a replacement' } });
    expect(second.assignConversation.handover).toMatchObject({ from: { id: anna }, to: { id: bob } });
    const again = await env.ok(AssignConversationDocument, { input: { conversationId, agentId: bob } });
    expect(again.assignConversation.userErrors).toEqual([expect.objectContaining({ code: 'ALREADY_ASSIGNED', field: ['input', 'agentId'] })]);
    const resolved = await env.ok(ResolveConversationDocument, { input: { conversationId } });
    expect(resolved.resolveConversation.userErrors).toEqual([]);
    const twice = await env.ok(ResolveConversationDocument, { input: { conversationId } });
    expect(twice.resolveConversation.userErrors.map((error) => error.code)).toEqual(['ALREADY_RESOLVED']);

    const read = await env.ok(GetConversationDocument, { id: conversationId, first: 10 });
    const conversation = read.conversation!;
    expect(conversation).toMatchObject({
      status: 'RESOLVED',
      subject: 'Broken zipper',
      channels: ['CHAT', 'EMAIL', 'PHONE'],
      firstResponseSeconds: 90,
      slaBreached: false,
      reopenCount: 0,
      customer: { id: customerId },
      assignee: { id: bob, name: 'Bob Agent' },
    });
    expect(conversation.resolvedAt).not.toBeNull();
    expect(conversation.firstResponseAt).toBe(reply.occurredAt);
    expect(conversation.handovers.map((handover) => [handover.from?.name ?? null, handover.to.name, handover.note])).toEqual([
      [null, 'Anna Agent', 'Zipper claim, photo requested'],
      ['Anna Agent', 'Bob Agent', 'Customer called; please send a replacement'],
    ]);
    expect(conversation.interactions.totalCount).toBe(4);
    expect(conversation.interactions.edges.map((edge) => edge.node.channel)).toEqual(['CHAT', 'CHAT', 'EMAIL', 'PHONE']);

    // The timeline: newest first, every kind in one history.
    const timeline = await env.ok(CustomerTimelineDocument, { id: customerId, first: 20 });
    const entries = timeline.customer!.timeline.edges.map((edge) => edge.node);
    expect(entries.map((entry) => entry.kind)).toEqual(['HANDOVER', 'HANDOVER', 'INTERACTION', 'INTERACTION', 'INTERACTION', 'INTERACTION']);
    expect(entries[0]).toMatchObject({ handover: { note: 'Customer called; please send a replacement', to: { name: 'Bob Agent' } }, conversation: { id: conversationId } });
    expect(entries.slice(2).map((entry) => [entry.interaction!.channel, entry.interaction!.direction])).toEqual([
      ['PHONE', 'INBOUND'], ['EMAIL', 'INBOUND'], ['CHAT', 'OUTBOUND'], ['CHAT', 'INBOUND'],
    ]);
    expect(entries[2]).toMatchObject({ channel: 'PHONE', summary: 'Inbound PHONE', conversation: { id: conversationId } });
    const times = entries.map((entry) => Date.parse(entry.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(timeline.customer!.timeline.totalCount).toBe(6);

    // Cursor pagination walks the same history with no gap and no duplicate.
    const walked: string[] = [];
    let after: string | null = null;
    do {
      const page: CustomerTimelineQuery = await env.ok(CustomerTimelineDocument, { id: customerId, first: 4, after });
      const connection = page.customer!.timeline;
      walked.push(...connection.edges.map((edge) => edge.node.id));
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor ?? null : null;
    } while (after);
    expect(walked).toEqual(entries.map((entry) => entry.id));
  });

  it('keeps the SLA clock across channels: answered by e-mail after a chat, the CHAT target applies', async () => {
    const start = await record(env, { channel: 'CHAT', direction: 'INBOUND', customer: newCustomerRef(), occurredAt: minutesAgo(10) });
    const late = await record(env, { channel: 'EMAIL', direction: 'OUTBOUND', customer: { id: start.customer.id }, occurredAt: minutesAgo(5) });
    const read = await env.ok(GetConversationDocument, { id: late.conversation.id });
    expect(read.conversation).toMatchObject({ firstResponseSeconds: 300, slaBreached: true, channels: ['CHAT', 'EMAIL'] });
    expect(Date.parse(read.conversation!.slaDueAt!) - Date.parse(start.occurredAt)).toBe(120_000);

    // Unanswered e-mail within its 24 h target: not breached yet; an unanswered chat past 2 minutes is.
    const mail = await record(env, { channel: 'EMAIL', direction: 'INBOUND', customer: newCustomerRef(), occurredAt: minutesAgo(60) });
    const waiting = await record(env, { channel: 'CHAT', direction: 'INBOUND', customer: newCustomerRef(), occurredAt: minutesAgo(3) });
    const [m, w] = await Promise.all([mail, waiting].map((i) => env.ok(GetConversationDocument, { id: i.conversation.id })));
    expect(m.conversation).toMatchObject({ firstResponseSeconds: null, slaBreached: false });
    expect(w.conversation).toMatchObject({ firstResponseSeconds: null, slaBreached: true });
  });

  it('reopens a conversation on an inbound contact within 7 days of resolution, and opens a new one after that', async () => {
    const first = await record(env, { channel: 'SOCIAL', direction: 'INBOUND', customer: newCustomerRef() });
    const customerId = first.customer.id;
    await env.ok(ResolveConversationDocument, { input: { conversationId: first.conversation.id } });

    // An outbound follow-up does not reopen: it starts a new (PENDING) conversation.
    const survey = await record(env, { channel: 'EMAIL', direction: 'OUTBOUND', customer: { id: customerId } });
    expect(survey.conversation.id).not.toBe(first.conversation.id);
    expect(survey.conversation.status).toBe('PENDING');
    await env.ok(ResolveConversationDocument, { input: { conversationId: survey.conversation.id } });

    const back = await record(env, { channel: 'PHONE', direction: 'INBOUND', customer: { id: customerId } });
    expect(back.conversation.id).toBe(survey.conversation.id);
    const reopened = await env.ok(GetConversationDocument, { id: back.conversation.id });
    expect(reopened.conversation).toMatchObject({ status: 'OPEN', resolvedAt: null, reopenCount: 1 });

    await env.ok(ResolveConversationDocument, { input: { conversationId: back.conversation.id } });
    const db = await rawClient(env);
    try {
      await db.query(`update conversation set resolved_at = now() - interval '8 days' where customer_id = $1`, [customerId]);
    } finally {
      await db.end();
    }
    const later = await record(env, { channel: 'CHAT', direction: 'INBOUND', customer: { id: customerId } });
    expect([first.conversation.id, survey.conversation.id]).not.toContain(later.conversation.id);
    expect(later.conversation.status).toBe('OPEN');

    const contacts = await env.ok(CustomerContactsDocument, { id: customerId, first: 10 });
    expect(contacts.customer!.conversations.totalCount).toBe(3);
    expect(contacts.customer!.interactions.totalCount).toBe(4);
    expect(contacts.customer!.interactions.edges.map((edge) => edge.node.channel)).toEqual(['CHAT', 'PHONE', 'EMAIL', 'SOCIAL']);
    const chatOnly = await env.ok(CustomerContactsDocument, { id: customerId, first: 10, channel: 'CHAT', status: 'RESOLVED' });
    expect(chatOnly.customer!.interactions.edges).toHaveLength(1);
    expect(chatOnly.customer!.conversations.edges.map((edge) => edge.node.status)).toEqual(['RESOLVED', 'RESOLVED']);
  });

  it('honours conversationId and newConversation, and checks what they name', async () => {
    const a = await record(env, { customer: newCustomerRef() });
    const fresh = await record(env, { customer: { id: a.customer.id }, newConversation: true, channel: 'EMAIL' });
    expect(fresh.conversation.id).not.toBe(a.conversation.id);
    // Without ids it joins the most recently active open conversation: the new one.
    const next = await record(env, { customer: { id: a.customer.id }, channel: 'SMS' });
    expect(next.conversation.id).toBe(fresh.conversation.id);
    const explicit = await record(env, { customer: { id: a.customer.id }, conversationId: a.conversation.id, channel: 'VIDEO' });
    expect(explicit.conversation).toMatchObject({ id: a.conversation.id, channels: ['CHAT', 'VIDEO'] });

    const other = await record(env, { customer: newCustomerRef() });
    const cases: [Record<string, unknown>, string, string[]][] = [
      [{ conversationId: other.conversation.id }, 'CONFLICT', ['input', 'conversationId']],
      [{ conversationId: 'cnv_00000000000000000000000000' }, 'NOT_FOUND', ['input', 'conversationId']],
      [{ conversationId: a.conversation.id, newConversation: true }, 'INVALID_VALUE', ['input', 'newConversation']],
      [{ agentId: 'agt_00000000000000000000000000' }, 'NOT_FOUND', ['input', 'agentId']],
      [{ customer: { id: 'cus_00000000000000000000000000' } }, 'NOT_FOUND', ['input', 'customer', 'id']],
      [{ customer: {} }, 'INVALID_VALUE', ['input', 'customer']],
      [{ source: ' ' }, 'INVALID_VALUE', ['input', 'source']],
      [{ occurredAt: new Date(Date.now() + 3_600_000).toISOString() }, 'INVALID_VALUE', ['input', 'occurredAt']],
    ];
    for (const [override, code, field] of cases) {
      const res = await env.ok(RecordInteractionDocument, {
        input: { source: 'test', externalId: unique('bad'), channel: 'CHAT', direction: 'INBOUND', customer: { id: a.customer.id }, ...override } as never,
      });
      expect(res.recordInteraction).toMatchObject({ interaction: null, created: false });
      expect(res.recordInteraction.userErrors).toEqual([expect.objectContaining({ code, field })]);
    }
  });
});

describe('recordInteraction idempotency and identities', () => {
  it('returns the same interaction for the same input, IDEMPOTENCY_CONFLICT for another, and records once under concurrency', async () => {
    const input = { source: 'zendesk', externalId: unique('tkt'), channel: 'EMAIL' as const, direction: 'INBOUND' as const, customer: newCustomerRef(), subject: 'Invoice' };
    const results = await Promise.all(Array.from({ length: 10 }, () => env.ok(RecordInteractionDocument, { input }, TOKENS.INGEST)));
    const ids = new Set(results.map((result) => result.recordInteraction.interaction!.id));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => result.recordInteraction.created)).toHaveLength(1);

    const conflict = await env.ok(RecordInteractionDocument, { input: { ...input, subject: 'Something else' } }, TOKENS.INGEST);
    expect(conflict.recordInteraction.interaction).toBeNull();
    expect(conflict.recordInteraction.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_CONFLICT', field: ['input', 'externalId'] })]);

    const contacts = await env.ok(CustomerContactsDocument, { id: results[0].recordInteraction.interaction!.customer.id });
    expect(contacts.customer!.interactions.totalCount).toBe(1);
    expect(contacts.customer!.conversations.totalCount).toBe(1);
  });

  it('creates a customer from unknown identities, remembering the channel as firstSeenChannel', async () => {
    const phone = '+48 602 111 222';
    const created = await record(env, { channel: 'PHONE', customer: { identities: [{ type: 'PHONE', value: phone }] } });
    const identified = await env.ok(IdentifyCustomerDocument, { input: { identities: [{ type: 'PHONE', value: phone }] } });
    expect(identified.identifyCustomer.created).toBe(false);
    expect(identified.identifyCustomer.customer!.id).toBe(created.customer.id);
    expect(identified.identifyCustomer.customer!.identities).toEqual([expect.objectContaining({ type: 'PHONE', value: '+48602111222', firstSeenChannel: 'PHONE' })]);
  });

  it('lets INGEST read back what it recorded and nothing else; masks subject and body for PARTNER and ANALYST', async () => {
    const own = await record(env, { customer: newCustomerRef(), subject: 'Delivery late', body: 'Where is my parcel?' }, TOKENS.INGEST);
    const byAgent = await record(env, { customer: newCustomerRef(), subject: 'Return' });
    expect((await env.ok(GetInteractionDocument, { id: own.id }, TOKENS.INGEST)).interaction!.id).toBe(own.id);
    const forbidden = await env.gql(GetInteractionDocument, { id: byAgent.id }, TOKENS.INGEST);
    expect(forbidden.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    const forbiddenConversation = await env.gql(GetConversationDocument, { id: byAgent.conversation.id }, TOKENS.INGEST);
    expect(forbiddenConversation.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);

    for (const token of [TOKENS.PARTNER, TOKENS.ANALYST]) {
      const masked = await env.ok(GetInteractionDocument, { id: own.id }, token);
      expect(masked.interaction).toMatchObject({ subject: '***', body: '***' });
      expect(masked.interaction!.customer.email).toMatch(/^.\*\*\*@e\*\*\*\.com$/);
      const conversation = await env.ok(GetConversationDocument, { id: own.conversation.id }, token);
      expect(conversation.conversation!.subject).toBe('***');
    }
    const clear = await env.ok(GetInteractionDocument, { id: own.id }, TOKENS.AGENT);
    expect(clear.interaction).toMatchObject({ subject: 'Delivery late', body: 'Where is my parcel?' });
  });
});

describe('conversations(status, assigneeId)', () => {
  it('filters by status and assignee and pages newest first', async () => {
    const agentId = await agent('Inbox Owner');
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const interaction = await record(env, { customer: newCustomerRef('inbox') });
      await env.ok(AssignConversationDocument, { input: { conversationId: interaction.conversation.id, agentId } });
      made.push(interaction.conversation.id);
    }
    await env.ok(ResolveConversationDocument, { input: { conversationId: made[0] } });
    const page1 = await env.ok(ListConversationsDocument, { first: 2, assigneeId: agentId });
    expect(page1.conversations.totalCount).toBe(5);
    expect(page1.conversations.edges.map((edge) => edge.node.id)).toEqual([made[4], made[3]]);
    const page2 = await env.ok(ListConversationsDocument, { first: 10, assigneeId: agentId, after: page1.conversations.pageInfo.endCursor });
    expect(page2.conversations.edges.map((edge) => edge.node.id)).toEqual([made[2], made[1], made[0]]);
    expect(page2.conversations.pageInfo.hasNextPage).toBe(false);
    const resolved = await env.ok(ListConversationsDocument, { first: 10, assigneeId: agentId, status: 'RESOLVED' });
    expect(resolved.conversations.edges.map((edge) => edge.node.id)).toEqual([made[0]]);
    const bad = await env.gql(ListConversationsDocument, { first: 101 });
    expect(bad.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const badCursor = await env.gql(ListConversationsDocument, { first: 1, after: 'nope' });
    expect(badCursor.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('upsertAgent creates once per e-mail and renames after', async () => {
    const email = `${unique('dup')}@support.example.com`;
    const one = await env.ok(UpsertAgentDocument, { input: { email, name: 'First Name' } });
    const two = await env.ok(UpsertAgentDocument, { input: { email: email.toUpperCase(), name: 'Second Name' } });
    expect(one.upsertAgent.created).toBe(true);
    expect(two.upsertAgent).toMatchObject({ created: false, agent: { id: one.upsertAgent.agent!.id, name: 'Second Name', email } });
    const bad = await env.ok(UpsertAgentDocument, { input: { email: 'nope', name: 'X' } });
    expect(bad.upsertAgent.userErrors.map((error) => error.code)).toEqual(['INVALID_VALUE']);
  });
});
