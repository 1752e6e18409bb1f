import { PerObject, Slot } from '../src/common/memo';

// Slot replaced the WeakMaps keyed by a request's objects (its context, EntityManager view and HTTP
// response): what those maps meant must still hold for the objects that carry the slot now.
describe('Slot: per-object state kept on the object', () => {
  it('gives each object its own value, and nothing to an object that has none', () => {
    const slot = new Slot<object, number>('test.slot');
    const a = {};
    const b = {};
    slot.set(a, 1);
    expect(slot.get(a)).toBe(1);
    expect(slot.get(b)).toBeUndefined();
    slot.set(a, 2);
    expect(slot.get(a)).toBe(2);
  });

  it('does not travel with a spread or Object.assign copy (Apollo clones the context, services derive { ...ctx, em })', () => {
    const slot = new Slot<Record<string, unknown>, string>('test.copy');
    const context: Record<string, unknown> = { requestId: 'r1' };
    slot.set(context, 'budget of r1');
    const spread = { ...context };
    const assigned = Object.assign({}, context);
    expect(spread.requestId).toBe('r1');
    expect(slot.get(spread)).toBeUndefined();
    expect(slot.get(assigned)).toBeUndefined();
    expect(Object.keys(context)).toEqual(['requestId']);
    expect(JSON.stringify(context)).toBe('{"requestId":"r1"}');
  });

  it('reads only the object’s own slot, never one of its prototype (a request’s EntityManager is a view of the ORM’s)', () => {
    const slot = new Slot<object, string>('test.prototype');
    const root = {};
    slot.set(root, 'the ORM’s');
    const view = Object.create(root) as object;
    expect(slot.get(view)).toBeUndefined();
    slot.set(view, 'the request’s');
    expect(slot.get(view)).toBe('the request’s');
    expect(slot.get(root)).toBe('the ORM’s');
  });

  it('is emptied by clear, and two slots of one object do not meet', () => {
    const first = new Slot<object, string>('test.same-name');
    const second = new Slot<object, string>('test.same-name');
    const owner = {};
    first.set(owner, 'one');
    second.set(owner, 'two');
    expect(first.get(owner)).toBe('one');
    first.clear(owner);
    expect(first.get(owner)).toBeUndefined();
    expect(second.get(owner)).toBe('two');
    first.clear({});
  });

  it('backs PerObject: one value per (object, key), made once', () => {
    const memo = new PerObject<object, { made: number }>();
    const event = {};
    let made = 0;
    const create = () => ({ made: ++made });
    const value = memo.get(event, 'k', create);
    expect(memo.get(event, 'k', create)).toBe(value);
    expect(memo.get(event, 'other', create)).not.toBe(value);
    expect(memo.get({}, 'k', create).made).toBe(3);
  });
});
