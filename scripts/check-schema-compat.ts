import fs from 'node:fs';
import path from 'node:path';
import { ChangeType, CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import {
  buildSchema, getNamedType, isInputObjectType, isInterfaceType, isObjectType, isUnionType,
  type GraphQLArgument, type GraphQLField, type GraphQLInputField, type GraphQLNamedType, type GraphQLSchema,
} from 'graphql';

/**
 * The schema-evolution gate: compares schema/schema.graphql (what the code builds) with
 * schema/released.graphql (what clients were promised) and fails on any breaking change that is not
 * declared intended in schema/intended-breaking.json. A removal must have gone through @deprecated in
 * the released schema first: an undeprecated removal is rejected even when declared.
 *
 *   npm run schema:check      (CI runs it before the tests)
 *   npm run schema:release    (after a release: released.graphql := schema.graphql, declarations cleared)
 */

/** One declared breaking change, with the reason clients were told. */
export interface IntendedChange {
  /** The change's path as graphql-inspector reports it, e.g. `Customer.email` or `Query.orders.channel`. */
  path: string;
  /** Optional: the change type (FIELD_REMOVED, FIELD_TYPE_CHANGED, ...) to pin the declaration further. */
  type?: string;
  reason: string;
}

export interface Finding {
  change: Change;
  /** Why it is rejected (for rejected findings) or the declared reason (for accepted ones). */
  note: string;
}

export interface CompatReport {
  rejected: Finding[];
  accepted: Finding[];
  dangerous: Change[];
  safe: Change[];
  /** Declarations that match no change (stale: remove them). */
  unused: IntendedChange[];
}

/** Removals that a client can be warned about with @deprecated first. */
const DEPRECATABLE_REMOVALS = new Set<string>([
  ChangeType.FieldRemoved, ChangeType.InputFieldRemoved, ChangeType.EnumValueRemoved, ChangeType.FieldArgumentRemoved, ChangeType.TypeRemoved,
]);

function fieldsOf(type: GraphQLNamedType | undefined | null): Record<string, GraphQLField<unknown, unknown> | GraphQLInputField> | undefined {
  if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) return type.getFields();
  return undefined;
}

/** Whether the element a removal took away was deprecated in the released schema. */
function wasDeprecated(released: GraphQLSchema, current: GraphQLSchema, change: Change): boolean {
  const parts = (change.path ?? '').split('.');
  switch (change.type) {
    case ChangeType.FieldRemoved:
    case ChangeType.InputFieldRemoved:
      return Boolean(fieldsOf(released.getType(parts[0]))?.[parts[1]]?.deprecationReason);
    case ChangeType.FieldArgumentRemoved: {
      const field = fieldsOf(released.getType(parts[0]))?.[parts[1]] as GraphQLField<unknown, unknown> | undefined;
      const arg = field?.args.find((candidate: GraphQLArgument) => candidate.name === parts[2]);
      return Boolean(arg?.deprecationReason || field?.deprecationReason);
    }
    case ChangeType.EnumValueRemoved: {
      const type = released.getType(parts[0]);
      return Boolean(type && 'getValue' in type && (type as { getValue(name: string): { deprecationReason?: string | null } | undefined }).getValue(parts[1])?.deprecationReason);
    }
    case ChangeType.TypeRemoved:
      return typeReferencesWereDeprecated(released, current, parts[0]);
    default:
      return false;
  }
}

/**
 * A type can only be removed once nothing reachable uses it: every field, argument and input field of
 * the released schema whose type it is was deprecated (or went away with its own, also removed, owner).
 * A union membership cannot be deprecated, so it blocks the removal.
 */
function typeReferencesWereDeprecated(released: GraphQLSchema, current: GraphQLSchema, name: string): boolean {
  for (const owner of Object.values(released.getTypeMap())) {
    if (owner.name.startsWith('__') || owner.name === name) continue;
    const ownerGone = !current.getType(owner.name);
    if (isUnionType(owner) && owner.getTypes().some((member) => member.name === name) && !ownerGone) return false;
    const fields = fieldsOf(owner);
    if (!fields || ownerGone) continue;
    for (const field of Object.values(fields)) {
      if (getNamedType(field.type).name === name && !field.deprecationReason) return false;
      for (const arg of 'args' in field ? field.args : []) {
        if (getNamedType(arg.type).name === name && !arg.deprecationReason && !field.deprecationReason) return false;
      }
    }
  }
  return true;
}

function declarationFor(intended: IntendedChange[], change: Change): IntendedChange | undefined {
  return intended.find((entry) => entry.path === change.path && (!entry.type || entry.type === change.type));
}

/** Diffs the released SDL against the current one and sorts every change into the report. */
export async function checkSchemaCompat(releasedSdl: string, currentSdl: string, intended: IntendedChange[]): Promise<CompatReport> {
  const released = buildSchema(releasedSdl);
  const current = buildSchema(currentSdl);
  const changes = await diff(released, current);
  const report: CompatReport = { rejected: [], accepted: [], dangerous: [], safe: [], unused: [] };
  const used = new Set<IntendedChange>();
  for (const change of changes) {
    if (change.criticality.level === CriticalityLevel.Dangerous) report.dangerous.push(change);
    if (change.criticality.level !== CriticalityLevel.Breaking) {
      if (change.criticality.level === CriticalityLevel.NonBreaking) report.safe.push(change);
      continue;
    }
    const declared = declarationFor(intended, change);
    if (declared) used.add(declared);
    if (DEPRECATABLE_REMOVALS.has(change.type) && !wasDeprecated(released, current, change)) {
      report.rejected.push({
        change,
        note: `not @deprecated in schema/released.graphql: deprecate it, release, and remove it in a later release${declared ? ' (a declaration does not replace the deprecation)' : ''}`,
      });
    } else if (declared) {
      report.accepted.push({ change, note: declared.reason });
    } else {
      report.rejected.push({ change, note: 'breaking and not declared in schema/intended-breaking.json' });
    }
  }
  report.unused = intended.filter((entry) => !used.has(entry));
  return report;
}

/** Reads and validates schema/intended-breaking.json: `{ "changes": [{ "path", "type"?, "reason" }] }`. */
export function readIntended(file: string): IntendedChange[] {
  if (!fs.existsSync(file)) return [];
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { changes?: unknown };
  if (!Array.isArray(parsed.changes)) throw new Error(`${file}: expected { "changes": [...] }`);
  return parsed.changes.map((entry, index) => {
    const candidate = entry as Partial<IntendedChange>;
    if (typeof candidate.path !== 'string' || !candidate.path) throw new Error(`${file}: changes[${index}] needs a "path"`);
    if (typeof candidate.reason !== 'string' || !candidate.reason.trim()) throw new Error(`${file}: changes[${index}] (${candidate.path}) needs a "reason"`);
    if (candidate.type !== undefined && typeof candidate.type !== 'string') throw new Error(`${file}: changes[${index}].type must be a string`);
    return { path: candidate.path, type: candidate.type, reason: candidate.reason };
  });
}

function describe(change: Change): string {
  return `${change.type} ${change.path ?? ''}: ${change.message}`;
}

/** Prints the report; returns the process exit code (1 when anything is rejected). */
export function printReport(report: CompatReport, write: (line: string) => void = (line) => console.log(line)): number {
  for (const finding of report.rejected) write(`✗ BREAKING ${describe(finding.change)}\n    ${finding.note}`);
  for (const finding of report.accepted) write(`✓ intended breaking change ${describe(finding.change)}\n    reason: ${finding.note}`);
  for (const change of report.dangerous) write(`! dangerous ${describe(change)}${change.criticality.reason ? `\n    ${change.criticality.reason}` : ''}`);
  for (const entry of report.unused) write(`? schema/intended-breaking.json declares ${entry.path}${entry.type ? ` (${entry.type})` : ''}, which is not a breaking change of this diff: remove the entry`);
  write(
    report.rejected.length
      ? `schema check FAILED: ${report.rejected.length} breaking change(s) not allowed (${report.safe.length} safe, ${report.accepted.length} intended)`
      : `schema check passed: ${report.safe.length} safe change(s), ${report.accepted.length} intended breaking, ${report.dangerous.length} dangerous`,
  );
  return report.rejected.length ? 1 : 0;
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const index = args.indexOf(`--${name}`);
    return path.resolve(root, index >= 0 && args[index + 1] ? args[index + 1] : fallback);
  };
  const releasedFile = option('released', 'schema/released.graphql');
  const currentFile = option('current', 'schema/schema.graphql');
  const intendedFile = option('intended', 'schema/intended-breaking.json');
  if (!fs.existsSync(releasedFile)) {
    console.log(`no ${path.relative(root, releasedFile)}: nothing released yet, nothing to compare (npm run schema:release creates it)`);
    return;
  }
  const report = await checkSchemaCompat(fs.readFileSync(releasedFile, 'utf8'), fs.readFileSync(currentFile, 'utf8'), readIntended(intendedFile));
  process.exitCode = printReport(report);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  });
}
