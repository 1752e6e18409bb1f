import { ReferenceKind, type EntityMetadata, type MetadataStorage } from '@mikro-orm/core';

/** One value of a row as the read paths carry it: its key in the row type and the column behind it. */
export interface RowColumn {
  /** Key in the row type: a scalar property's name, `<relation>Id` for a many-to-one key. */
  key: string;
  column: string;
  /** PostgreSQL type of the column, as the entity declares it (`bigint`, `timestamptz(3)`, `text[]`...). */
  columnType: string;
}

/** What the planner knows of an entity, read from MikroORM's metadata once per metadata storage. */
export interface TableShape {
  table: string;
  /** Row key -> column. */
  columns: ReadonlyMap<string, RowColumn>;
  /** Many-to-one property name -> its key column (the parent side of a to-one read). */
  foreignKeys: ReadonlyMap<string, string>;
}

const shapes = new WeakMap<MetadataStorage, Map<string, TableShape>>();

/**
 * The table, the row keys and the foreign keys of `entityName`, derived from the entity metadata
 * rather than kept by hand beside it: a column renamed in an entity (and its migration) renames it here.
 */
export function tableShape(metadata: MetadataStorage, entityName: string): TableShape {
  let byName = shapes.get(metadata);
  if (!byName) {
    byName = new Map();
    shapes.set(metadata, byName);
  }
  let shape = byName.get(entityName);
  if (!shape) {
    shape = shapeOf(metadata.get(entityName));
    byName.set(entityName, shape);
  }
  return shape;
}

function shapeOf(meta: EntityMetadata): TableShape {
  const columns = new Map<string, RowColumn>();
  const foreignKeys = new Map<string, string>();
  for (const property of meta.props) {
    if (property.persist === false || property.fieldNames?.length !== 1) continue;
    const column = property.fieldNames[0];
    const columnType = String(property.columnTypes?.[0] ?? property.type ?? 'text').toLowerCase();
    if (property.kind === ReferenceKind.MANY_TO_ONE) {
      foreignKeys.set(property.name, column);
      columns.set(`${property.name}Id`, { key: `${property.name}Id`, column, columnType: 'text' });
    } else if (property.kind === ReferenceKind.SCALAR) {
      columns.set(property.name, { key: property.name, column, columnType });
    }
  }
  return { table: meta.tableName, columns, foreignKeys };
}
