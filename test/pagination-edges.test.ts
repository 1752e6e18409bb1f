import { cutPage, edgeWithNode, encodeCursor, toConnection } from '../src/common/pagination';

/**
 * A page's edges encode their cursors when a selection reads them, not when the page is assembled: a
 * list of 50 customers with 10 orders each has 550 edges and a selection seldom asks for their cursors
 * (pageInfo's are read). The cursor read is the one encodeCursor gives, before and after the planner
 * replaces an edge's node with its copy of the row.
 */
describe('toConnection', () => {
  const rows = Array.from({ length: 6 }, (_, index) => ({ id: `row-${index}`, at: `2026-01-0${index + 1}` }));

  it('encodes the page info cursors at once and an edge cursor only when it is read, once', () => {
    const encoded: unknown[] = [];
    const encode = (key: (string | number)[]) => {
      encoded.push(key);
      return encodeCursor(key);
    };
    const connection = toConnection(
      cutPage(rows, 5),
      false,
      (row) => [row.at, row.id],
      (row) => ({ ...row }),
      () => 6,
      encode,
    );
    expect(connection.edges).toHaveLength(5);
    expect(connection.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: encodeCursor([rows[0].at, rows[0].id]),
      endCursor: encodeCursor([rows[4].at, rows[4].id]),
    });
    expect(encoded).toEqual([
      [rows[0].at, rows[0].id],
      [rows[4].at, rows[4].id],
    ]);
    expect(connection.edges[2].cursor).toBe(encodeCursor([rows[2].at, rows[2].id]));
    expect(connection.edges[2].cursor).toBe(encodeCursor([rows[2].at, rows[2].id]));
    expect(encoded).toHaveLength(3);

    const copy = edgeWithNode(connection.edges[3], { planned: true });
    expect(copy.node).toEqual({ planned: true });
    expect(encoded).toHaveLength(3);
    expect(copy.cursor).toBe(encodeCursor([rows[3].at, rows[3].id]));
    expect(edgeWithNode({ cursor: 'c', node: 1 }, 2)).toEqual({ cursor: 'c', node: 2 });
  });
});
