import { AssignConversationDocument, ConversationsInboxDocument, CustomersWithContactsDocument, EventsDocument, UpsertAgentDocument } from './generated/graphql';
import { newCustomerRef, record } from './support/interactions';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
const CUSTOMERS = 55;

beforeAll(async () => {
  env = await startTestServer();
  const agent = await env.ok(UpsertAgentDocument, { input: { email: `${unique('count')}@support.example.com`, name: 'Counting Agent' } });
  const agentId = agent.upsertAgent.agent!.id;
  for (let batch = 0; batch < CUSTOMERS; batch += 11) {
    await Promise.all(Array.from({ length: Math.min(11, CUSTOMERS - batch) }, async (_, i) => {
      const first = await record(env, { customer: newCustomerRef('count'), channel: 'CHAT' });
      await record(env, { customer: { id: first.customer.id }, channel: 'EMAIL', direction: 'OUTBOUND', agentId });
      const call = await record(env, { customer: { id: first.customer.id }, channel: 'PHONE', newConversation: true });
      // Every page, small or large, has assigned conversations: both pages load agents.
      await env.ok(AssignConversationDocument, { input: { conversationId: call.conversation.id, agentId, note: 'n' } });
      if ((batch + i) % 2 === 0) await env.ok(AssignConversationDocument, { input: { conversationId: first.conversation.id, agentId, note: 'n' } });
    }));
  }
}, 60_000);
afterAll(() => env.stop());

const TIMELINES = `query($first: Int) { customers(first: $first) { edges { node { id timeline(first: 5) { totalCount edges { cursor node { kind at
  interaction { id } conversation { id } handover { id to { name } } } } } } } } }`;

describe('statement counts of list queries (a page of 50 costs what a page of 5 costs)', () => {
  it('conversations(first: N) { interactions customer assignee }', async () => {
    const small = await env.countStatements(() => env.ok(ConversationsInboxDocument, { first: 5 }));
    const large = await env.countStatements(async () => {
      const res = await env.ok(ConversationsInboxDocument, { first: 50 });
      expect(res.conversations.edges).toHaveLength(50);
      expect(res.conversations.edges.every((edge) => edge.node.interactions.edges.length > 0 && edge.node.customer.id)).toBe(true);
      expect(res.conversations.edges.some((edge) => edge.node.assignee?.name === 'Counting Agent')).toBe(true);
    });
    expect(large.count).toBe(small.count);
    expect(large.count).toBeLessThanOrEqual(5);
  });

  it('customers(first: N) { interactions conversations }', async () => {
    const small = await env.countStatements(() => env.ok(CustomersWithContactsDocument, { first: 5 }));
    const large = await env.countStatements(async () => {
      const res = await env.ok(CustomersWithContactsDocument, { first: 50 }, TOKENS.PARTNER);
      expect(res.customers.edges).toHaveLength(50);
      for (const edge of res.customers.edges) {
        expect(edge.node.interactions.edges).toHaveLength(3);
        expect(edge.node.conversations.edges).toHaveLength(2);
      }
    });
    expect(large.count).toBe(small.count);
    expect(large.count).toBeLessThanOrEqual(3);
  });

  it('customers(first: N) { timeline(first: 5) { totalCount ... } }', async () => {
    const small = await env.countStatements(() => env.ok(TIMELINES, { first: 5 }));
    const large = await env.countStatements(async () => {
      const res = await env.ok<{ customers: { edges: { node: { timeline: { totalCount: number; edges: unknown[] } } }[] } }, unknown>(TIMELINES, { first: 50 });
      expect(res.customers.edges).toHaveLength(50);
      for (const edge of res.customers.edges) {
        expect(edge.node.timeline.edges).toHaveLength(Math.min(5, edge.node.timeline.totalCount));
        expect(edge.node.timeline.totalCount).toBeGreaterThanOrEqual(3);
      }
    });
    expect(large.count).toBe(small.count);
  });

  it('events(first: N)', async () => {
    const small = await env.countStatements(() => env.ok(EventsDocument, { first: 5 }));
    const large = await env.countStatements(async () => {
      const res = await env.ok(EventsDocument, { first: 50 });
      expect(res.events.edges).toHaveLength(50);
    });
    expect(large.count).toBe(small.count);
  });
});
