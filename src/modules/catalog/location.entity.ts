import { Entity, Enum, PrimaryKey, Property, Unique } from '@mikro-orm/postgresql';
import { LocationType } from './catalog.enums';

/** A place that holds stock: a warehouse or a store. */
@Entity({ tableName: 'location' })
export class LocationEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  @Unique({ name: 'location_code_unique' })
  code!: string;

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => LocationType })
  type!: LocationType;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  updatedAt: Date = new Date();
}
