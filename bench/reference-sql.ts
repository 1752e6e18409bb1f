/**
 * The SQL of the two references, from one set of expressions so both answer the same content:
 *  - the raw-SQL floor (floor-server.ts): ONE hand-written json_agg statement per request, returning
 *    exactly the JSON of omni360's `data` for (a) and (b);
 *  - PostGraphile: computed-column functions in the `postgraphile_bench` schema for what omni360
 *    derives (stats, offer decisions, display name, primary e-mail and phone).
 *
 * Stats follow omni360's definitions (src/modules/analytics/customer-stats.reads.ts): lifetimeValue =
 * totals of PLACED and FULFILLED orders (cancelled and returned count nothing), orderCount = orders not
 * cancelled, averageOrderValue = lifetimeValue / orderCount rounded half up, per-channel lists in the
 * Channel enum's order, preferredChannel = most orders + contacts in the last 180 days (then the most
 * recent, then enum order), openConversations = OPEN + PENDING. run.ts compares the floor's answers
 * with omni360's, so a change of definition on either side shows up in the report.
 * Offer decisions follow docs/offers.md (segments vip/lapsed/omnichannel/new, 30-day decline cool-down,
 * contactAllowed = a current MARKETING consent on some channel). One currency per customer (the
 * dataset has PLN only).
 */

const ts = (expr: string) => `to_char((${expr}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** Integer cents as omni360's decimal string; `expr` must be a plain column (it is repeated). */
const amount = (expr: string) =>
  `(case when ${expr} < 0 then '-' else '' end || (abs((${expr})::bigint) / 100)::text || '.' || lpad((abs((${expr})::bigint) % 100)::text, 2, '0'))`;
const money = (cents: string, currency: string) => `json_build_object('amount', ${amount(cents)}, 'currencyCode', ${currency})`;
const REVENUE = `status in ('PLACED', 'FULFILLED')`;

/** The Channel enum's order: omni360 lists per-channel figures in it. */
const CHANNEL_ORDER = `array['WEB','MOBILE_APP','STORE','PHONE','EMAIL','CHAT','SMS','SOCIAL','CHATBOT','VIDEO','MARKETPLACE']`;
const rank = (channel: string) => `array_position(${CHANNEL_ORDER}, ${channel})`;

/** One row of per-customer figures (the same as Customer.stats), for the customer id expression `cid`. */
function statsFrom(cid: string): string {
  return `(select o.ltv, o.cnt, o.cur, o.first_at, o.last_at, i.last_at as last_interaction_at,
     (select coalesce(json_agg(json_build_object('channel', g.channel, 'orderCount', g.n, 'revenue', ${money('g.rev', 'o.cur')}) order by ${rank('g.channel')}), '[]'::json)
        from (select channel, count(*) as n, coalesce(sum(total_cents) filter (where ${REVENUE}), 0)::bigint as rev
                from "order" where customer_id = ${cid} and status <> 'CANCELLED' group by channel) g) as orders_by_channel,
     (select coalesce(json_agg(json_build_object('channel', g.channel, 'count', g.n) order by ${rank('g.channel')}), '[]'::json)
        from (select channel, count(*) as n from interaction where customer_id = ${cid} group by channel) g) as interactions_by_channel,
     array(select u.ch from (select channel as ch from "order" where customer_id = ${cid}
                             union select channel from interaction where customer_id = ${cid}) u order by ${rank('u.ch')}) as channels_used,
     (select u.ch from (select channel as ch, placed_at as at from "order" where customer_id = ${cid} and placed_at >= now() - interval '180 days'
                        union all select channel, occurred_at from interaction where customer_id = ${cid} and occurred_at >= now() - interval '180 days') u
       group by u.ch order by count(*) desc, max(u.at) desc, ${rank('u.ch')} limit 1) as preferred_channel,
     (select count(*) from conversation where customer_id = ${cid} and status in ('OPEN', 'PENDING')) as open_conversations
   from (select coalesce(sum(total_cents) filter (where ${REVENUE}), 0)::bigint as ltv,
                count(*) filter (where status <> 'CANCELLED') as cnt,
                coalesce(min(currency), 'PLN') as cur,
                min(placed_at) filter (where status <> 'CANCELLED') as first_at,
                max(placed_at) filter (where status <> 'CANCELLED') as last_at
           from "order" where customer_id = ${cid}) o,
        (select max(occurred_at) as last_at from interaction where customer_id = ${cid}) i)`;
}

/** Average order value in cents (lifetime value over the orders not cancelled), rounded half up. */
const AOV = `case when s.cnt > 0 then (s.ltv * 2 + s.cnt) / (2 * s.cnt) end`;

const STATS_JSON = `json_build_object(
  'lifetimeValue', ${money('s.ltv', 's.cur')}, 'orderCount', s.cnt,
  'averageOrderValue', case when s.cnt > 0 then json_build_object('amount', ${amount('s.aov')}, 'currencyCode', s.cur) end,
  'ordersByChannel', s.orders_by_channel, 'interactionsByChannel', s.interactions_by_channel, 'channelsUsed', to_json(s.channels_used),
  'preferredChannel', s.preferred_channel, 'firstOrderAt', ${ts('s.first_at')}, 'lastOrderAt', ${ts('s.last_at')},
  'lastInteractionAt', ${ts('s.last_interaction_at')}, 'openConversations', s.open_conversations)`;

/** Offer decisions for customer `cid`: one row per current offer, ordered by code as omni360 lists them. */
function offersFrom(cid: string): string {
  return `(select f.id as offer_id, f.code, f.title,
       (f.active and (f.valid_from is null or now() >= f.valid_from) and (f.valid_to is null or now() < f.valid_to)
        and case f.segment
              when 'vip' then fig.max_ltv >= 100000
              when 'lapsed' then fig.last_order_at is not null and fig.last_order_at < now() - interval '180 days'
              when 'omnichannel' then fig.channel_count >= 2
              when 'new' then fig.order_count = 0
              else f.segment is null end
        and not coalesce(now() < r.last_declined_at + interval '30 days', false)) as eligible,
       fig.contact_allowed, r.last_response
     from offer f
     cross join (select
        coalesce((select max(x.total) from (select sum(total_cents) as total from "order" where customer_id = ${cid} and ${REVENUE} group by currency) x), 0) as max_ltv,
        (select count(*) from "order" where customer_id = ${cid} and status <> 'CANCELLED') as order_count,
        (select max(placed_at) from "order" where customer_id = ${cid} and status <> 'CANCELLED') as last_order_at,
        (select count(*) from (select channel from "order" where customer_id = ${cid} union select channel from interaction where customer_id = ${cid}) u) as channel_count,
        exists (select 1 from (select distinct on (channel) granted from consent where customer_id = ${cid} and purpose = 'MARKETING'
                               order by channel, recorded_at desc, id desc) z where z.granted) as contact_allowed) fig
     left join lateral (select (array_agg(response order by responded_at desc, id desc))[1] as last_response,
                               max(responded_at) filter (where response = 'DECLINED') as last_declined_at
                          from offer_response where customer_id = ${cid} and offer_id = f.id) r on true
    where f.active and (f.valid_to is null or f.valid_to > now())
    order by f.code)`;
}

const primaryIdentity = (cid: string, type: string) =>
  `(select value from identity where customer_id = ${cid} and type = '${type}' order by added_at, id limit 1)`;

const displayName = (c: string, email: string) =>
  `case when ${c}.status = 'ERASED' then 'Erased customer'
        else coalesce(nullif(concat_ws(' ', ${c}.first_name, ${c}.last_name), ''), ${email}, 'Customer ' || ${c}.id) end`;

/** (a) for `$1` = customer id, with the named top-level Customer fields left out. */
export function floorCustomer360Sql(without: string[] = []): string {
  const parts: Record<string, string> = {
    identities: `(select coalesce(json_agg(json_build_object('type', i.type, 'value', i.value, 'system', nullif(i.system, ''), 'verified', i.verified,
        'firstSeenChannel', i.first_seen_channel, 'addedAt', ${ts('i.added_at')}) order by i.added_at, i.id), '[]'::json)
       from identity i where i.customer_id = c.id)`,
    stats: `(select ${STATS_JSON} from (select s.*, ${AOV} as aov from ${statsFrom('c.id')} s) s)`,
    orders: `json_build_object('edges', (select coalesce(json_agg(json_build_object('node', json_build_object(
        'id', o.id, 'channel', o.channel, 'status', o.status, 'placedAt', ${ts('o.placed_at')}, 'total', ${money('o.total_cents', 'o.currency')},
        'lines', (select coalesce(json_agg(json_build_object('quantity', l.quantity, 'unitPrice', ${money('l.unit_price_cents', 'o.currency')},
                    'total', ${money('l.total_cents', 'o.currency')}, 'product', json_build_object('id', p.id, 'sku', p.sku, 'name', p.name))
                    order by l.line_no), '[]'::json)
                    from order_line l join product p on p.id = l.product_id where l.order_id = o.id)))
        order by o.placed_at desc, o.id desc), '[]'::json)
       from (select * from "order" where customer_id = c.id order by placed_at desc, id desc limit 20) o))`,
    interactions: `json_build_object('edges', (select coalesce(json_agg(json_build_object('node', json_build_object('id', t.id, 'channel', t.channel,
        'direction', t.direction, 'subject', t.subject, 'occurredAt', ${ts('t.occurred_at')})) order by t.occurred_at desc, t.id desc), '[]'::json)
       from (select * from interaction where customer_id = c.id order by occurred_at desc, id desc limit 20) t))`,
    conversations: `json_build_object('edges', (select coalesce(json_agg(json_build_object('node', json_build_object('id', v.id, 'status', v.status,
        'subject', v.subject, 'channels', to_json(v.channels), 'openedAt', ${ts('v.opened_at')})) order by v.id desc), '[]'::json)
       from (select * from conversation where customer_id = c.id order by id desc limit 5) v))`,
    offers: `(select coalesce(json_agg(json_build_object('offer', json_build_object('id', d.offer_id, 'code', d.code, 'title', d.title),
        'eligible', d.eligible, 'contactAllowed', d.contact_allowed, 'lastResponse', d.last_response) order by d.code), '[]'::json)
       from ${offersFrom('c.id')} d)`,
  };
  const fields = Object.entries(parts).filter(([name]) => !without.includes(name)).map(([name, sql]) => `'${name}', ${sql}`);
  return `select json_build_object('data', json_build_object('customer', (
  select json_build_object('id', c.id, 'displayName', ${displayName('c', 'pe.value')}, 'firstName', c.first_name, 'lastName', c.last_name,
    'email', pe.value, 'phone', pp.value, 'status', c.status, 'createdAt', ${ts('c.created_at')}${fields.length ? `,\n    ${fields.join(',\n    ')}` : ''})
    from customer c
    left join lateral (select value from identity where customer_id = c.id and type = 'EMAIL' order by added_at, id limit 1) pe on true
    left join lateral (select value from identity where customer_id = c.id and type = 'PHONE' order by added_at, id limit 1) pp on true
   where c.id = $1)))::text as body`;
}

/** (b) for `$1` = the id after which the page starts (keyset, newest first), or null for the first page. */
export function floorCustomerListSql(without: string[] = []): string {
  const stats = without.includes('stats')
    ? ''
    : `, 'stats', (select json_build_object('lifetimeValue', ${money('s.ltv', 's.cur')}, 'orderCount', s.cnt)
          from (select coalesce(sum(total_cents) filter (where ${REVENUE}), 0)::bigint as ltv, count(*) filter (where status <> 'CANCELLED') as cnt,
                       coalesce(min(currency), 'PLN') as cur from "order" where customer_id = c.id) s)`;
  return `with page as (
  select c.id, c.first_name, c.last_name, c.status from customer c
   where c.merged_into_id is null and ($1::text is null or c.id < $1::text) order by c.id desc limit 51
), shown as (select * from page order by id desc limit 50)
select json_build_object('data', json_build_object('customers', json_build_object(
  'pageInfo', json_build_object('hasNextPage', (select count(*) > 50 from page), 'endCursor', (select min(id) from shown)),
  'edges', (select coalesce(json_agg(json_build_object('node', json_build_object(
      'id', c.id, 'displayName', ${displayName('c', primaryIdentity('c.id', 'EMAIL'))},
      'orders', json_build_object('edges', (select coalesce(json_agg(json_build_object('node', json_build_object(
          'id', o.id, 'channel', o.channel, 'status', o.status, 'placedAt', ${ts('o.placed_at')}, 'total', ${money('o.total_cents', 'o.currency')},
          'lines', (select coalesce(json_agg(json_build_object('quantity', l.quantity, 'total', ${money('l.total_cents', 'o.currency')},
                      'product', json_build_object('sku', p.sku, 'name', p.name)) order by l.line_no), '[]'::json)
                      from order_line l join product p on p.id = l.product_id where l.order_id = o.id)))
          order by o.placed_at desc, o.id desc), '[]'::json)
         from (select * from "order" where customer_id = c.id order by placed_at desc, id desc limit 20) o))${stats}))
      order by c.id desc), '[]'::json) from shown c))))::text as body`;
}

/**
 * The computed columns of the pages (f)-(k) (issue 16): each reads every table it needs ONCE per parent
 * (one union-all over the timeline's tables, one read of stock_level joined to location per product), as
 * omni360's own statements do; the timeline's sources and order are omni360's (src/modules/*\/*.timeline.ts,
 * src/modules/interactions/interaction.timeline.ts: newest first, then kind, then id, both descending).
 */
const PAGES_DDL = `
create type postgraphile_bench.timeline_entry as (id text, kind text, at timestamptz, channel text, summary text);
create function postgraphile_bench.customer_timeline(cust public.customer) returns setof postgraphile_bench.timeline_entry
language sql stable as $$
  select t.id, t.kind, t.at, t.channel, t.summary from (
    select o.id, 'ORDER'::text as kind, o.placed_at as at, o.channel,
           'Order ' || lower(o.status) || ', ' || (o.total_cents::numeric * 0.01)::text || ' ' || o.currency as summary
      from "order" o where o.customer_id = cust.id
    union all
    select i.id, 'INTERACTION', i.occurred_at, i.channel, initcap(i.direction) || ' ' || i.channel from interaction i where i.customer_id = cust.id
    union all
    select h.id, 'HANDOVER', h.at, null, 'Assigned to ' || a.name from handover h join agent a on a.id = h.to_agent_id where h.customer_id = cust.id
    union all
    select r.id, 'OFFER_RESPONSE', r.responded_at, r.channel, 'Offer ' || f.code || ' ' || lower(r.response)
      from offer_response r join offer f on f.id = r.offer_id where r.customer_id = cust.id
    union all
    select s.id, 'CONSENT', s.recorded_at, s.channel, s.purpose || case when s.granted then ' consent granted' else ' consent withdrawn' end
      from consent s where s.customer_id = cust.id
    union all
    select m.id, 'MERGE', m.merged_at, null,
           case when m.survivor_id = cust.id then 'Merged customer ' || m.merged_id else 'Merged into customer ' || m.survivor_id end
             || case when m.undone_at is not null then ' (undone)' else '' end
      from customer_merge m where m.survivor_id = cust.id or m.merged_id = cust.id) t
  order by t.at desc, t.kind desc, t.id desc
$$;
create function postgraphile_bench.search_customers(fragment text) returns setof public.customer
language sql stable as $$
  select c.* from public.customer c
   where c.merged_into_id is null and c.search_text like '%' || lower(fragment) || '%'
   order by c.id desc
$$;
create type postgraphile_bench.stock_totals as (on_hand int, reserved int, available int);
create function postgraphile_bench.product_stock_totals(p public.product) returns postgraphile_bench.stock_totals
language sql stable as $$
  select coalesce(sum(s.on_hand), 0)::int, coalesce(sum(s.reserved), 0)::int, coalesce(sum(s.on_hand - s.reserved), 0)::int
    from stock_level s where s.product_id = p.id
$$;
create type postgraphile_bench.availability as (on_hand int, reserved int, available int, by_location json);
create function postgraphile_bench.product_availability(p public.product) returns postgraphile_bench.availability
language sql stable as $$
  select coalesce(sum(s.on_hand), 0)::int, coalesce(sum(s.reserved), 0)::int, coalesce(sum(s.on_hand - s.reserved), 0)::int,
         coalesce(json_agg(json_build_object('location', json_build_object('code', l.code, 'name', l.name, 'type', l.type),
           'onHand', s.on_hand, 'reserved', s.reserved, 'available', s.on_hand - s.reserved)
           order by case l.type when 'WAREHOUSE' then 0 else 1 end, l.code), '[]'::json)
    from stock_level s join location l on l.id = s.location_id where s.product_id = p.id
$$;
`;

/**
 * The computed columns PostGraphile exposes on Customer (stats, offers, displayName, email, phone),
 * in their own schema so omni360's tables stay untouched. Idempotent: run on every bench run.
 */
export function postgraphileBenchDdl(): string {
  return `
drop schema if exists postgraphile_bench cascade;
create schema postgraphile_bench;
create type postgraphile_bench.customer_stats_result as (
  lifetime_value text, currency_code text, order_count int, average_order_value text, orders_by_channel json,
  interactions_by_channel json, channels_used text[], preferred_channel text, first_order_at timestamptz,
  last_order_at timestamptz, last_interaction_at timestamptz, open_conversations int);
create function postgraphile_bench.customer_stats(cust public.customer) returns postgraphile_bench.customer_stats_result
language sql stable as $$
  select ${amount('s.ltv')}, s.cur, s.cnt::int, case when s.cnt > 0 then ${amount('s.aov')} end, s.orders_by_channel, s.interactions_by_channel,
         s.channels_used, s.preferred_channel, s.first_at, s.last_at, s.last_interaction_at, s.open_conversations::int
    from (select s.*, ${AOV} as aov from ${statsFrom('cust.id')} s) s
$$;
create type postgraphile_bench.offer_decision as (offer_id text, code text, title text, eligible boolean, contact_allowed boolean, last_response text);
create function postgraphile_bench.customer_offers(cust public.customer) returns setof postgraphile_bench.offer_decision
language sql stable as $$
  select d.offer_id, d.code, d.title, d.eligible, d.contact_allowed, d.last_response from ${offersFrom('cust.id')} d
$$;
create function postgraphile_bench.customer_email(cust public.customer) returns text language sql stable as $$
  select ${primaryIdentity('cust.id', 'EMAIL')}
$$;
create function postgraphile_bench.customer_phone(cust public.customer) returns text language sql stable as $$
  select ${primaryIdentity('cust.id', 'PHONE')}
$$;
create function postgraphile_bench.customer_display_name(cust public.customer) returns text language sql stable as $$
  select ${displayName('cust', primaryIdentity('cust.id', 'EMAIL'))}
$$;
${PAGES_DDL}`;
}

/** (i) for `$1` = a sku: one product with its stock in total and per location (omni360's location order). */
export function floorProductStockSql(): string {
  return `select json_build_object('data', json_build_object('product', (
  select json_build_object('id', p.id, 'sku', p.sku, 'name', p.name, 'availability', (
    select json_build_object('onHand', coalesce(sum(s.on_hand), 0), 'reserved', coalesce(sum(s.reserved), 0),
             'available', coalesce(sum(s.on_hand - s.reserved), 0),
             'byLocation', coalesce(json_agg(json_build_object('location', json_build_object('code', l.code, 'name', l.name, 'type', l.type),
               'onHand', s.on_hand, 'reserved', s.reserved, 'available', s.on_hand - s.reserved)
               order by case l.type when 'WAREHOUSE' then 0 else 1 end, l.code), '[]'::json))
      from stock_level s join location l on l.id = s.location_id where s.product_id = p.id))
    from product p where p.sku = $1)))::text as body`;
}

/** (k) for `$1` = an order id: the order with its customer, lines and products. */
export function floorOrderSql(): string {
  return `select json_build_object('data', json_build_object('order', (
  select json_build_object('id', o.id, 'externalId', o.external_id, 'channel', o.channel, 'status', o.status, 'placedAt', ${ts('o.placed_at')},
    'total', ${money('o.total_cents', 'o.currency')},
    'customer', (select json_build_object('id', c.id, 'displayName', ${displayName('c', primaryIdentity('c.id', 'EMAIL'))}, 'email', ${primaryIdentity('c.id', 'EMAIL')})
                   from customer c where c.id = o.customer_id),
    'lines', (select coalesce(json_agg(json_build_object('quantity', l.quantity, 'sku', l.sku, 'unitPrice', ${money('l.unit_price_cents', 'o.currency')},
                'total', ${money('l.total_cents', 'o.currency')}, 'product', json_build_object('id', p.id, 'sku', p.sku, 'name', p.name))
                order by l.line_no), '[]'::json)
                from order_line l join product p on p.id = l.product_id where l.order_id = o.id))
    from "order" o where o.id = $1)))::text as body`;
}
