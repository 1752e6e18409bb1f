import fs from 'node:fs';
import path from 'node:path';

/**
 * `npm run schema:release`, run when a version is released: schema/released.graphql becomes the SDL the
 * code builds now (schema:emit runs first), and the declared breaking changes, now part of the release,
 * are cleared from schema/intended-breaking.json.
 */
const root = path.resolve(__dirname, '..');
const current = path.join(root, 'schema/schema.graphql');
const released = path.join(root, 'schema/released.graphql');
const intended = path.join(root, 'schema/intended-breaking.json');

fs.copyFileSync(current, released);
fs.writeFileSync(intended, `${JSON.stringify(emptyDeclarations(), null, 2)}\n`);
console.log('schema/released.graphql updated; schema/intended-breaking.json cleared');

function emptyDeclarations() {
  return {
    $comment:
      'Breaking changes of schema/schema.graphql against schema/released.graphql that are intended, each with the reason clients were told: ' +
      '{ "path": "Type.field", "type": "FIELD_TYPE_CHANGED" (optional), "reason": "..." }. Removals must have been @deprecated in released.graphql first. ' +
      'npm run schema:check lists the paths; npm run schema:release clears this list.',
    changes: [],
  };
}
