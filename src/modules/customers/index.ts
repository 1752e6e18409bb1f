import { query } from '../../database/sql';
import type { OmniModule } from '../module';
import { ConsentEntity, CustomerEntity, CustomerMergeEntity, CustomerMergeMoveEntity, IdentityEntity } from './customer.entity';
import { CustomerFields, CustomerMergeFields, DuplicateCandidateFields, IdentityFields } from './customer.fields';
import { CustomerResolver } from './customer.resolver';
import { getCustomer, getMerge } from './customer.service';
import { CONSENT_TIMELINE, MERGE_TIMELINE } from './customer.timeline';

export const customersModule: OmniModule = {
  name: 'customers',
  entities: [CustomerEntity, IdentityEntity, ConsentEntity, CustomerMergeEntity, CustomerMergeMoveEntity],
  resolvers: [CustomerResolver, CustomerFields, IdentityFields, CustomerMergeFields, DuplicateCandidateFields],
  nodeTypes: { Customer: getCustomer, CustomerMerge: getMerge },
  timelineSources: [CONSENT_TIMELINE, MERGE_TIMELINE],
  customerData: [
    {
      name: 'identities',
      table: 'identity',
      customerColumn: 'customer_id',
      // Identity values are personal through and through: erasure removes them.
      erase: async (em, customerId) => (await query(em, `delete from identity where customer_id = ? returning 1`, [customerId])).length,
    },
    {
      name: 'consents',
      table: 'consent',
      customerColumn: 'customer_id',
      // Consent history is evidence (purpose, channel, time) without personal data: kept on erasure.
      exportRows: (em, customerId) =>
        query(em, `select purpose, channel, granted, source, recorded_at as "recordedAt" from consent where customer_id = ? order by recorded_at`, [
          customerId,
        ]),
    },
  ],
};
