import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Look-ahead: the names of the fields selected at `path` below the current field (aliases resolved,
 * fragments followed, from every node of a repeated field); empty when the path is not selected. A
 * resolver uses it to load in one statement what its children will ask for, and only that: e.g.
 * `Customer.orders` embeds the lines, and the line fields the selection shows, when `edges.node.lines`
 * is selected, so neither the lines nor their products need a statement (or a promise per order).
 */
export function selectedFields(info: GraphQLResolveInfo, path: string[]): Set<string> {
  const names = new Set<string>();
  for (const node of info.fieldNodes) collect(node.selectionSet, path, info, names);
  return names;
}

function collect(selectionSet: SelectionSetNode | undefined, path: string[], info: GraphQLResolveInfo, names: Set<string>): void {
  if (!selectionSet) return;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (path.length === 0) names.add(selection.name.value);
      else if (selection.name.value === path[0]) collect(selection.selectionSet, path.slice(1), info, names);
    } else {
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : info.fragments[selection.name.value];
      if (fragment) collect(fragment.selectionSet, path, info, names);
    }
  }
}
