import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Look-ahead: does the selection below the current field reach `path` (field names, aliases ignored,
 * fragments followed)? A resolver uses it to load in one statement what its children will ask for,
 * e.g. `Customer.orders` loads the lines and their products with the orders when
 * `edges.node.lines` is selected, so neither needs a statement (or a promise per order) of its own.
 */
export function selects(info: GraphQLResolveInfo, ...paths: string[][]): boolean {
  return paths.some((path) => info.fieldNodes.some((node) => reaches(node.selectionSet, path, info)));
}

function reaches(selectionSet: SelectionSetNode | undefined, path: string[], info: GraphQLResolveInfo): boolean {
  if (path.length === 0) return true;
  if (!selectionSet) return false;
  const [head, ...rest] = path;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === head && reaches(selection.selectionSet, rest, info)) return true;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (reaches(selection.selectionSet, path, info)) return true;
    } else {
      const fragment = info.fragments[selection.name.value];
      if (fragment && reaches(fragment.selectionSet, path, info)) return true;
    }
  }
  return false;
}
