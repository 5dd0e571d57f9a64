import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * The fields a query selects below the current field, by field name (not alias), with fragments
 * and inline fragments merged in. @skip/@include are not evaluated: a field they leave out is
 * still listed, which at worst fetches a relation nobody reads.
 */
export type FieldTree = Map<string, FieldTree>;

/** Trees of single field nodes: the parsed query is kept between requests, so a repeated query finds its tree (and what was planned for it) here. */
const trees = new WeakMap<FieldNode, FieldTree>();

export function fieldTree(info: GraphQLResolveInfo): FieldTree {
  const single = info.fieldNodes.length === 1 ? info.fieldNodes[0] : null;
  const known = single && trees.get(single);
  if (known) return known;
  const tree: FieldTree = new Map();
  for (const node of info.fieldNodes) addSelections(tree, node.selectionSet, info.fragments);
  if (single) trees.set(single, tree);
  return tree;
}

function addSelections(tree: FieldTree, set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>): void {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      let below = tree.get(name);
      if (!below) tree.set(name, (below = new Map()));
      addSelections(below, selection.selectionSet, fragments);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      addSelections(tree, selection.selectionSet, fragments);
    } else {
      // Cycles between fragments are refused by validation before execution.
      addSelections(tree, fragments[selection.name.value]?.selectionSet, fragments);
    }
  }
}

/** The tree below `path` (e.g. 'edges', 'node' of a connection), or an empty one. */
export function below(tree: FieldTree | undefined, ...path: string[]): FieldTree {
  let at = tree;
  for (const name of path) at = at?.get(name);
  return at ?? new Map();
}
