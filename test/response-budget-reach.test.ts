import { buildSchema, execute, parse } from 'graphql';
import type { Context } from '../src/context/context';
import { chargeTextFields, textBytes } from '../src/server/response-budget';

/**
 * Which fields count text (src/server/response-budget.ts) is decided once, from the schema: a field that
 * runs code counts what is below it through plain fields. Types that refer to each other through plain
 * fields must reach each other's text whichever of them is looked at first; here `A.b` comes before
 * `A.text`, so a walk that settles B while A is still open would decide B reaches no text, and `b`
 * would count nothing below it.
 */
function schemaWithCycle() {
  const schema = buildSchema(`
    type Query { a: A, b: B }
    type A { b: B, text: String }
    type B { a: A }
  `);
  const a = { text: 'x'.repeat(100), b: null as unknown };
  const b = { a };
  a.b = b;
  const fields = schema.getQueryType()!.getFields();
  fields.a.resolve = () => a;
  fields.b.resolve = () => b;
  chargeTextFields(schema);
  return schema;
}

const context = () => ({ config: { limits: { maxResponseBytes: 1_000_000 } } }) as unknown as Context;

describe('text reached through plain fields that refer to each other', () => {
  it.each([
    ['{ a { text } }', 102],
    ['{ b { a { text } } }', 102],
    ['{ b { a { b { a { text } } } } }', 102],
    ['{ b { a { text again: text } } a { text } }', 306],
  ])('%s counts %i bytes', async (document, bytes) => {
    const schema = schemaWithCycle();
    const contextValue = context();
    const result = await execute({ schema, document: parse(document), contextValue });
    expect(result.errors).toBeUndefined();
    expect(textBytes(contextValue)).toBe(bytes);
  });
});
