import { DEFAULT_SEED, isEmpty, seedDemo, type SeedSummary } from '../src/cli/demo-seed';
import { createContext } from '../src/context/context';
import { query, queryOne } from '../src/database/sql';
import { startTestServer, type TestServer } from './support/server';

let env: TestServer;
let summary: SeedSummary;
const count = async (sql: string) => Number((await queryOne<{ n: string }>(createContext(env.server.app, undefined).em, sql))!.n);

beforeAll(async () => {
  env = await startTestServer();
  expect(await isEmpty(env.server.app)).toBe(true);
  summary = await seedDemo(env.server.app, { ...DEFAULT_SEED, customers: 80 });
}, 180_000);
afterAll(() => env.stop());

describe('the demo seed', () => {
  it('creates the promised counts through the services', async () => {
    expect(summary).toMatchObject({ customers: 82, duplicates: 2, products: 20, locations: 6, agents: 5, offers: 3, orders: 200 });
    expect(await count('select count(*) n from customer')).toBe(82);
    expect(await count('select count(*) n from "order"')).toBe(200);
    expect(await count('select count(*) n from interaction')).toBe(summary.interactions);
    expect(await count('select count(distinct channel) n from "order"')).toBe(5);
    expect(await count('select count(*) n from location where type = \'STORE\'')).toBe(4);
    expect(await count('select count(*) n from offer_response')).toBe(summary.offerResponses);
    expect(await isEmpty(env.server.app)).toBe(false);
  });

  it('leaves consistent data: stock agrees with its ledger, orders have lines, conversations cross channels and have handovers', async () => {
    const em = createContext(env.server.app, undefined).em;
    const drift = await query(em, `
      select s.product_id from stock_level s
        left join (select product_id, location_id, sum(delta_on_hand) on_hand, sum(delta_reserved) reserved
                     from stock_movement group by 1, 2) m using (product_id, location_id)
       where s.on_hand <> coalesce(m.on_hand, 0) or s.reserved <> coalesce(m.reserved, 0)`);
    expect(drift).toEqual([]);
    expect(await count('select count(*) n from "order" o where not exists (select 1 from order_line l where l.order_id = o.id)')).toBe(0);
    expect(await count('select count(*) n from conversation where cardinality(channels) > 1')).toBeGreaterThan(0);
    expect(await count('select count(*) n from handover')).toBeGreaterThan(0);
    expect(await count('select count(distinct status) n from "order"')).toBeGreaterThanOrEqual(3);
    expect(await count('select count(*) n from consent')).toBe(summary.consents);
  });

  it('plants near-duplicates that duplicateCandidates finds with reasons', async () => {
    const [duplicate] = await query<{ id: string }>(createContext(env.server.app, undefined).em,
      `select c.id from customer c join identity i on i.customer_id = c.id where i.value like '%@mail.example' order by c.id limit 1`);
    const res = await env.ok(`query($id: ID!) { duplicateCandidates(customerId: $id) { score reasons customer { id } } }`, { id: duplicate.id });
    const candidates = (res as { duplicateCandidates: { score: number; reasons: string[] }[] }).duplicateCandidates;
    expect(candidates.length).toBeGreaterThan(0);
    expect(candidates[0].reasons.join(' ')).toMatch(/similar name/);
  });
});
