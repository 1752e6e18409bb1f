import { query } from '../../database/sql';
import type { OmniModule } from '../module';
import { OrderEntity, OrderLineEntity } from './order.entity';
import { CustomerOrdersFields, OrderFields, OrderGuestIdentityFields, OrderLineFields } from './order.fields';
import { OrderResolver } from './order.resolver';
import { claimGuestOrders, getOrder } from './order.service';
import { ORDER_TIMELINE, TimelineOrderFields } from './order.timeline';

export const ordersModule: OmniModule = {
  name: 'orders',
  entities: [OrderEntity, OrderLineEntity],
  resolvers: [OrderResolver, OrderFields, OrderGuestIdentityFields, OrderLineFields, CustomerOrdersFields, TimelineOrderFields],
  nodeTypes: { Order: getOrder },
  customerData: [
    {
      name: 'orders',
      table: 'order',
      customerColumn: 'customer_id',
      // Amounts, dates, channels and lines stay for accounting; the guest identities are personal data.
      // The request hash would confirm a guessed input (e-mail, profile): cleared; a replay of the key
      // after erasure is an IDEMPOTENCY_CONFLICT rather than a match.
      personalColumns: { guest_identities: 'null', request_hash: `'erased'` },
      exportRows: (em, customerId) =>
        query(
          em,
          `select o.id, o.source, o.external_id as "externalId", o.channel, o.status, o.placed_at as "placedAt", o.currency,
                  o.total_cents as "totalCents", o.guest_identities as "guestIdentities",
                  (select json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity, 'unitPriceCents', l.unit_price_cents,
                          'discountCents', l.discount_cents, 'totalCents', l.total_cents) order by l.line_no)
                     from order_line l where l.order_id = o.id) as lines
             from "order" o where o.customer_id = ? order by o.placed_at, o.id`,
          [customerId],
        ),
    },
  ],
  // A later identification with a guest order's e-mail or phone (or any identity it carries) claims it.
  customerIdentifiedHooks: [claimGuestOrders],
  timelineSources: [ORDER_TIMELINE],
};
