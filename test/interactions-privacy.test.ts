import {
  AssignConversationDocument, CustomerContactsDocument, CustomerTimelineDocument, EventsDocument, GetConversationDocument, GetInteractionDocument,
  UpsertAgentDocument,
} from './generated/graphql';
import { createLocation, createProduct, order, receive } from './support/commerce';
import { newCustomerRef, record } from './support/interactions';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

// Customer operations of the contract, as raw documents: this file tests what interactions do with them.
const MERGE = `mutation($survivorId: ID!, $mergedId: ID!) { mergeCustomers(input: { survivorId: $survivorId, mergedId: $mergedId, reason: "same person" }) {
  merge { id } userErrors { code } } }`;
const UNDO = `mutation($mergeId: ID!) { undoMerge(input: { mergeId: $mergeId }) { userErrors { code } } }`;
const CONSENT = `mutation($id: ID!) { recordConsent(input: { customerId: $id, purpose: MARKETING, channel: EMAIL, granted: true, source: WEB }) { userErrors { code } } }`;
const ERASE = `mutation($id: ID!) { eraseCustomer(input: { customerId: $id }) { erased { name rows } userErrors { code } } }`;

async function withAgentHandover(customerId: string, conversationId: string, note: string): Promise<void> {
  const agent = await env.ok(UpsertAgentDocument, { input: { email: `${unique('priv')}@support.example.com`, name: 'Privacy Agent' } });
  const res = await env.ok(AssignConversationDocument, { input: { conversationId, agentId: agent.upsertAgent.agent!.id, note } });
  expect(res.assignConversation.userErrors).toEqual([]);
  expect(res.assignConversation.conversation!.customer.id).toBe(customerId);
}

describe('merges move interactions and conversations', () => {
  it('moves them to the survivor, shows the merge and consents on the timeline, and undoMerge moves them back', async () => {
    const a = await record(env, { customer: newCustomerRef('a'), channel: 'CHAT' });
    const b = await record(env, { customer: newCustomerRef('b'), channel: 'EMAIL' });
    await withAgentHandover(b.customer.id, b.conversation.id, 'VIP');
    const consent = (await env.gql<{ recordConsent: { userErrors: unknown[] } }, unknown>(CONSENT, { id: a.customer.id })).data!;
    expect(consent.recordConsent.userErrors).toEqual([]);

    const merged = await env.gql<{ mergeCustomers: { merge: { id: string }; userErrors: unknown[] } }, unknown>(MERGE, { survivorId: a.customer.id, mergedId: b.customer.id });
    expect(merged.data!.mergeCustomers.userErrors).toEqual([]);
    const survivor = await env.ok(CustomerContactsDocument, { id: a.customer.id, first: 10 });
    expect(survivor.customer!.interactions.edges.map((edge) => edge.node.id).sort()).toEqual([a.id, b.id].sort());
    expect(survivor.customer!.conversations.totalCount).toBe(2);
    // The merged id resolves to the survivor, and so do the moved records.
    expect((await env.ok(GetInteractionDocument, { id: b.id })).interaction!.customer.id).toBe(a.customer.id);
    expect((await env.ok(GetConversationDocument, { id: b.conversation.id })).conversation!.customer.id).toBe(a.customer.id);

    const timeline = await env.ok(CustomerTimelineDocument, { id: a.customer.id, first: 20 });
    const kinds = timeline.customer!.timeline.edges.map((edge) => edge.node.kind);
    expect(kinds[0]).toBe('MERGE');
    expect(kinds.sort()).toEqual(['CONSENT', 'HANDOVER', 'INTERACTION', 'INTERACTION', 'MERGE']);
    const consentEntry = timeline.customer!.timeline.edges.find((edge) => edge.node.kind === 'CONSENT')!.node;
    expect(consentEntry).toMatchObject({ channel: 'EMAIL', summary: 'MARKETING consent granted', interaction: null, handover: null });

    const undone = await env.gql<{ undoMerge: { userErrors: unknown[] } }, unknown>(UNDO, { mergeId: merged.data!.mergeCustomers.merge.id });
    expect(undone.data!.undoMerge.userErrors).toEqual([]);
    const restored = await env.ok(CustomerContactsDocument, { id: b.customer.id, first: 10 });
    expect(restored.customer!.interactions.edges.map((edge) => edge.node.id)).toEqual([b.id]);
    expect(restored.customer!.conversations.edges.map((edge) => edge.node.id)).toEqual([b.conversation.id]);
    const restoredTimeline = await env.ok(CustomerTimelineDocument, { id: b.customer.id, first: 20 });
    expect(restoredTimeline.customer!.timeline.edges.map((edge) => edge.node.kind).sort()).toEqual(['HANDOVER', 'INTERACTION', 'MERGE']);
  });
});

describe('eraseCustomer reaches interactions, conversations, handovers and the event log', () => {
  it('nulls subjects, bodies and notes, scrubs retained event payloads, and keeps channels and times', async () => {
    const first = await record(env, { customer: newCustomerRef('erase'), subject: 'My address changed', body: 'New address: Main St 1' });
    const customerId = first.customer.id;
    await record(env, { customer: { id: customerId }, channel: 'PHONE', subject: 'Follow-up call' });
    await withAgentHandover(customerId, first.conversation.id, 'Customer moved to Main St 1');

    const res = await env.gql<{ eraseCustomer: { erased: { name: string; rows: number }[]; userErrors: unknown[] } }, unknown>(ERASE, { id: customerId });
    expect(res.data!.eraseCustomer.userErrors).toEqual([]);
    const erased = Object.fromEntries(res.data!.eraseCustomer.erased.map((entry) => [entry.name, entry.rows]));
    expect(erased).toMatchObject({ interactions: 2, conversations: 1, handovers: 1, events: 2 });

    const interaction = await env.ok(GetInteractionDocument, { id: first.id });
    expect(interaction.interaction).toMatchObject({ subject: null, body: null, channel: 'CHAT', occurredAt: first.occurredAt });
    const conversation = await env.ok(GetConversationDocument, { id: first.conversation.id });
    expect(conversation.conversation).toMatchObject({ subject: null, channels: ['CHAT', 'PHONE'] });
    expect(conversation.conversation!.handovers.map((handover) => handover.note)).toEqual([null]);

    const events = await env.ok(EventsDocument, { first: 100, types: ['interaction.recorded'] });
    const mine = events.events.edges.map((edge) => edge.node).filter((event) => event.customerId === customerId);
    expect(mine).toHaveLength(2);
    for (const event of mine) expect(event.payload).toMatchObject({ subject: null, customerId, channel: expect.any(String) });
  });
});

describe('PARTNER masking in the timeline and contacts', () => {
  it('masks handover notes and interaction subjects but keeps kinds, channels and summaries', async () => {
    const first = await record(env, { customer: newCustomerRef('mask'), subject: 'Secret matter' });
    await withAgentHandover(first.customer.id, first.conversation.id, 'Very personal note');
    const timeline = await env.ok(CustomerTimelineDocument, { id: first.customer.id, first: 10 }, TOKENS.PARTNER);
    const handover = timeline.customer!.timeline.edges.find((edge) => edge.node.kind === 'HANDOVER')!.node;
    expect(handover.handover!.note).toBe('***');
    expect(handover.summary).toBe('Assigned to Privacy Agent');
    const conversation = await env.ok(GetConversationDocument, { id: first.conversation.id }, TOKENS.PARTNER);
    expect(conversation.conversation!.subject).toBe('***');
    expect(conversation.conversation!.interactions.edges[0].node.subject).toBe('***');
  });
});

describe('Customer.timeline across every module', () => {
  const TIMELINE = `query($id: ID!) { customer(id: $id) { timeline(first: 20) { totalCount edges { node {
    kind at channel summary order { id } offer { code } interaction { id } } } } } }`;

  it('puts orders, offer responses, interactions, handovers and consent changes in one chronological history, newest first', async () => {
    const contact = await record(env, { customer: newCustomerRef('all'), channel: 'CHAT' });
    const customerId = contact.customer.id;
    const product = await createProduct(env, { price: '12.50' });
    const store = await createLocation(env, 'STORE');
    await receive(env, product.sku, store.id, 5);
    const placed = await order(env, { channel: 'STORE', locationId: store.id, customer: { id: customerId }, lines: [{ sku: product.sku, quantity: 2 }] });
    const offer = await env.ok<{ upsertOffer: { offer: { id: string; code: string } } }, unknown>(
      `mutation($code: String!) { upsertOffer(input: { code: $code, title: "Ten off", discountPercent: 10, active: true }) { offer { id code } } }`,
      { code: unique('OFF').toUpperCase() },
    );
    const responded = await env.ok<{ respondToOffer: { userErrors: unknown[] } }, unknown>(
      `mutation($offerId: ID!, $customerId: ID!) { respondToOffer(input: { offerId: $offerId, customerId: $customerId, channel: EMAIL, response: DECLINED }) { userErrors { code } } }`,
      { offerId: offer.upsertOffer.offer.id, customerId },
    );
    expect(responded.respondToOffer.userErrors).toEqual([]);
    await env.gql(CONSENT, { id: customerId });
    await record(env, { customer: { id: customerId }, channel: 'PHONE', direction: 'OUTBOUND' });

    const res = await env.ok<{ customer: { timeline: { totalCount: number; edges: { node: {
      kind: string; at: string; channel: string | null; summary: string; order: { id: string } | null; offer: { code: string } | null; interaction: { id: string } | null;
    } }[] } } }, unknown>(TIMELINE, { id: customerId });
    const entries = res.customer.timeline.edges.map((edge) => edge.node);
    expect(entries.map((entry) => entry.kind)).toEqual(['INTERACTION', 'CONSENT', 'OFFER_RESPONSE', 'ORDER', 'INTERACTION']);
    expect(res.customer.timeline.totalCount).toBe(5);
    expect(entries[3]).toMatchObject({ channel: 'STORE', order: { id: placed.id }, offer: null, interaction: null });
    expect(entries[3].summary).toContain('25.00 PLN');
    expect(entries[2]).toMatchObject({ channel: 'EMAIL', offer: { code: offer.upsertOffer.offer.code }, order: null });
    expect(entries[4]).toMatchObject({ channel: 'CHAT', interaction: { id: contact.id } });
    const times = entries.map((entry) => Date.parse(entry.at));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
  });
});
