import fs from 'node:fs';
import path from 'node:path';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, Kind, parse, print } from 'graphql';
import { printOmniSchema } from '../src/server/print-schema';
import { buildOmniSchema } from '../src/server/schema';

describe('schema/schema.graphql', () => {
  it('is exactly what the code builds (run `npm run schema:emit` after changing the schema)', () => {
    const committed = fs.readFileSync(path.resolve(__dirname, '../schema/schema.graphql'), 'utf8');
    expect(printOmniSchema()).toBe(committed);
  });

  it('implements every type, field, argument and enum value of the public contract with the same types', () => {
    // The public contract, copied into the repository: a clone has nothing beside it.
    const contractFile = path.resolve(__dirname, '../schema/contract.graphql');
    const contract = parse(fs.readFileSync(contractFile, 'utf8'));
    const schema = buildOmniSchema();
    const problems: string[] = [];
    for (const definition of contract.definitions) {
      if (!('name' in definition) || !definition.name) continue;
      const name = definition.name.value;
      if (PENDING.has(name)) continue;
      const ours = schema.getType(name);
      if (!ours) {
        problems.push(`type ${name} is missing`);
        continue;
      }
      if (definition.kind === Kind.ENUM_TYPE_DEFINITION && isEnumType(ours)) {
        for (const value of definition.values ?? []) if (!ours.getValue(value.name.value)) problems.push(`${name}.${value.name.value} is missing`);
      }
      if ((definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_DEFINITION)
        && (isObjectType(ours) || isInputObjectType(ours) || isInterfaceType(ours))) {
        const fields = ours.getFields() as Record<string, { type: unknown; args?: readonly { name: string; type: unknown }[] }>;
        for (const field of definition.fields ?? []) {
          const key = `${name}.${field.name.value}`;
          if (PENDING.has(key)) continue;
          const mine = fields[field.name.value];
          if (!mine) {
            problems.push(`${key} is missing`);
            continue;
          }
          if (String(mine.type) !== print(field.type)) problems.push(`${key} is ${String(mine.type)}, the contract says ${print(field.type)}`);
          for (const arg of 'arguments' in field ? field.arguments ?? [] : []) {
            const theirs = mine.args?.find((candidate) => candidate.name === arg.name.value);
            if (!theirs) problems.push(`${key}(${arg.name.value}) is missing`);
            else if (String(theirs.type) !== print(arg.type)) problems.push(`${key}(${arg.name.value}) is ${String(theirs.type)}, the contract says ${print(arg.type)}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

/**
 * Contract names whose issue has not landed yet. Each module removes its names when it lands; the list
 * only ever shrinks.
 */
const PENDING = new Set<string>([]);
