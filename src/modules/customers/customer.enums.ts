import { registerEnumType } from 'type-graphql';
import { CustomerStatus } from './customer.entity';

export { CustomerStatus };

export enum IdentityType {
  EMAIL = 'EMAIL',
  PHONE = 'PHONE',
  LOYALTY_CARD = 'LOYALTY_CARD',
  SOCIAL = 'SOCIAL',
  EXTERNAL = 'EXTERNAL',
}

export enum ConsentPurpose {
  MARKETING = 'MARKETING',
  PROFILING = 'PROFILING',
  SERVICE = 'SERVICE',
}

registerEnumType(CustomerStatus, { name: 'CustomerStatus', description: 'ERASED customers keep only non-personal records.' });
registerEnumType(IdentityType, { name: 'IdentityType', description: 'How a channel knows the customer.' });
registerEnumType(ConsentPurpose, { name: 'ConsentPurpose', description: 'What the customer consents to.' });
