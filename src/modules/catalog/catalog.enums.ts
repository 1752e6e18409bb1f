import { registerEnumType } from 'type-graphql';

/** What a location is: warehouses ship, stores sell over the counter (and may ship too). */
export enum LocationType {
  WAREHOUSE = 'WAREHOUSE',
  STORE = 'STORE',
}

registerEnumType(LocationType, { name: 'LocationType', description: 'WAREHOUSE or STORE.' });
