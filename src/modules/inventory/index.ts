import type { OmniModule } from '../module';
import { InventoryResolver } from './inventory.resolver';
import { AvailabilityFields, ProductAvailabilityFields, StockLevelFields } from './inventory.fields';
import { StockLevelEntity, StockMovementEntity } from './stock.entity';

export const inventoryModule: OmniModule = {
  name: 'inventory',
  entities: [StockLevelEntity, StockMovementEntity],
  resolvers: [InventoryResolver, ProductAvailabilityFields, AvailabilityFields, StockLevelFields],
};
