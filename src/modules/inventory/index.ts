import type { OmniModule } from '../module';
import { InventoryResolver } from './inventory.resolver';
import { AvailabilityFields, ProductAvailabilityFields, StockLevelFields } from './inventory.fields';
import { StockLevelEntity, StockMovementEntity } from './stock.entity';

/** For the stockChanged subscription: the type and how to build it from a stock.changed payload. */

export const inventoryModule: OmniModule = {
  name: 'inventory',
  entities: [StockLevelEntity, StockMovementEntity],
  resolvers: [InventoryResolver, ProductAvailabilityFields, AvailabilityFields, StockLevelFields],
};
