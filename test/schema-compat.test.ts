import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kind, parse, print, visit, type DocumentNode, type FieldDefinitionNode } from 'graphql';
import { checkSchemaCompat, printReport, readIntended, type IntendedChange } from '../scripts/check-schema-compat';

/**
 * The breaking-change gate (scripts/check-schema-compat.ts, run by .ci/run before the tests): schema
 * changes against the released SDL, made programmatically on copies of schema/schema.graphql.
 */

const ROOT = path.resolve(__dirname, '..');
const CURRENT = fs.readFileSync(path.join(ROOT, 'schema/schema.graphql'), 'utf8');

/** A field of Customer that every version of the schema has (the public contract names it). */
const FIELD = 'displayName';

function editField(sdl: string, typeName: string, edit: (fields: readonly FieldDefinitionNode[]) => FieldDefinitionNode[]): string {
  const document = visit(parse(sdl), {
    ObjectTypeDefinition(node) {
      if (node.name.value !== typeName) return undefined;
      return { ...node, fields: edit(node.fields ?? []) };
    },
  }) as DocumentNode;
  return print(document);
}

const withoutField = (sdl: string) => editField(sdl, 'Customer', (fields) => fields.filter((field) => field.name.value !== FIELD));
const deprecated = (sdl: string) =>
  editField(sdl, 'Customer', (fields) =>
    fields.map((field) =>
      field.name.value !== FIELD
        ? field
        : {
            ...field,
            directives: [...(field.directives ?? []), {
              kind: Kind.DIRECTIVE, name: { kind: Kind.NAME, value: 'deprecated' },
              arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'reason' }, value: { kind: Kind.STRING, value: 'Use firstName and lastName.' } }],
            }],
          },
    ),
  );
const withAddedField = (sdl: string) =>
  editField(sdl, 'Customer', (fields) => [...fields, { ...fields[0], name: { kind: Kind.NAME, value: 'nickname' }, description: { kind: Kind.STRING, value: 'A new field.' } }]);

const REMOVAL: IntendedChange = { path: `Customer.${FIELD}`, type: 'FIELD_REMOVED', reason: 'Replaced by firstName and lastName in v2.' };

describe('schema compatibility check', () => {
  it('passes the committed schema against the released one (what CI checks)', async () => {
    const released = fs.readFileSync(path.join(ROOT, 'schema/released.graphql'), 'utf8');
    const report = await checkSchemaCompat(released, CURRENT, readIntended(path.join(ROOT, 'schema/intended-breaking.json')));
    expect(report.rejected.map((finding) => `${finding.change.path}: ${finding.change.message}`)).toEqual([]);
  });

  it('passes an added field as a safe change', async () => {
    const report = await checkSchemaCompat(CURRENT, withAddedField(CURRENT), []);
    expect(report.rejected).toEqual([]);
    expect(report.safe.map((change) => change.path)).toContain('Customer.nickname');
    expect(printReport(report, () => undefined)).toBe(0);
  });

  it('fails a deliberate removal, naming the change', async () => {
    const report = await checkSchemaCompat(CURRENT, withoutField(CURRENT), []);
    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0].change).toMatchObject({ type: 'FIELD_REMOVED', path: `Customer.${FIELD}` });
    const lines: string[] = [];
    expect(printReport(report, (line) => lines.push(line))).toBe(1);
    expect(lines.join('\n')).toContain(`✗ BREAKING FIELD_REMOVED Customer.${FIELD}`);
  });

  it('rejects a removal that skipped @deprecated even when declared intended', async () => {
    const report = await checkSchemaCompat(CURRENT, withoutField(CURRENT), [REMOVAL]);
    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0].note).toMatch(/not @deprecated/);
  });

  it('accepts the removal of a field deprecated in the released schema once declared, and only then', async () => {
    const released = deprecated(CURRENT);
    const undeclared = await checkSchemaCompat(released, withoutField(CURRENT), []);
    expect(undeclared.rejected.map((finding) => finding.change.path)).toEqual([`Customer.${FIELD}`]);
    const declared = await checkSchemaCompat(released, withoutField(CURRENT), [REMOVAL]);
    expect(declared.rejected).toEqual([]);
    expect(declared.accepted.map((finding) => finding.note)).toEqual([REMOVAL.reason]);
  });

  it('accepts another declared breaking change (a type change) and reports stale declarations', async () => {
    const narrowed = editField(CURRENT, 'Customer', (fields) =>
      fields.map((field) => (field.name.value === FIELD ? { ...field, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'Int' } } } : field)));
    expect((await checkSchemaCompat(CURRENT, narrowed, [])).rejected.map((finding) => finding.change.type)).toEqual(['FIELD_TYPE_CHANGED']);
    const stale: IntendedChange = { path: 'Customer.nothing', reason: 'left over' };
    const report = await checkSchemaCompat(CURRENT, narrowed, [{ path: `Customer.${FIELD}`, reason: 'Display names are numbered now.' }, stale]);
    expect(report.rejected).toEqual([]);
    expect(report.unused).toEqual([stale]);
  });

  it('runs as a CLI: exit 1 listing the change on a removal, exit 0 on an addition', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-schema-'));
    const released = path.join(dir, 'released.graphql');
    fs.writeFileSync(released, CURRENT);
    const run = (current: string) => {
      const file = path.join(dir, `current-${Math.random().toString(36).slice(2)}.graphql`);
      fs.writeFileSync(file, current);
      return new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/check-schema-compat.ts', '--released', released, '--current', file, '--intended', path.join(dir, 'none.json')],
          { cwd: ROOT }, (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }));
      });
    };
    const [removed, added] = await Promise.all([run(withoutField(CURRENT)), run(withAddedField(CURRENT))]);
    expect(removed.code).toBe(1);
    expect(removed.stdout).toContain(`BREAKING FIELD_REMOVED Customer.${FIELD}`);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('schema check passed');
  }, 60_000);
});
