import type { OmniModule } from '../module';
import { ProductFields } from './catalog.fields';
import { CatalogResolver } from './catalog.resolver';
import { getLocationById, getProductById } from './catalog.service';
import { LocationEntity } from './location.entity';
import { ProductEntity } from './product.entity';

export const catalogModule: OmniModule = {
  name: 'catalog',
  entities: [ProductEntity, LocationEntity],
  resolvers: [CatalogResolver, ProductFields],
  nodeTypes: { Product: getProductById, Location: getLocationById },
};
