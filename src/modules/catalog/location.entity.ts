import { Entity, Enum, PrimaryKey, Property, Unique } from '@mikro-orm/postgresql';
import { LocationType } from './catalog.enums';
import { AuditedEntity } from '../../common/audited.entity';

/** A place that holds stock: a warehouse or a store. */
@Entity({ tableName: 'location' })
export class LocationEntity extends AuditedEntity {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  @Unique({ name: 'location_code_unique' })
  code!: string;

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => LocationType })
  type!: LocationType;
}
