import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findImportCycles, moduleOf } from '../scripts/import-cycles';

const ROOT = path.join(__dirname, '..');

/**
 * No import cycles: none between files anywhere (type-only imports included), none between the domain
 * modules of src/modules. Cycles that were broken: analytics <-> offers (segments), events <->
 * customers/interactions/orders (subscriptions), common/auth <-> context, config <-> trusted-documents.
 */
describe('import cycles', () => {
  it.each(['src', 'test', 'bench', 'scripts'])('no cycle between the files of %s/', (folder) => {
    expect(findImportCycles(path.join(ROOT, folder))).toEqual([]);
  });

  it('no cycle between the domain modules of src/modules', () => {
    expect(findImportCycles(path.join(ROOT, 'src'), moduleOf)).toEqual([]);
  });

  describe('the check itself', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-cycles-'));
      const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      };
      write('a.ts', `import type { B } from './b';\nexport type A = B;\n`);
      write('b.ts', `export { c } from './c';\nexport type B = string;\n`);
      write('c.ts', `export const c = () => require('./a');\n`);
      write('modules/x/x.service.ts', `import { y } from '../y/y.service';\nexport const x = y;\n`);
      write('modules/y/y.service.ts', `export const y = 1;\n`);
      write('modules/y/y.fields.ts', `import { x } from '../x/x.service';\nexport const z = x;\n`);
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('finds a cycle through a type import, a re-export and a require()', () => {
      expect(findImportCycles(dir)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    });

    it('finds a cycle between two modules that no two files form', () => {
      expect(findImportCycles(dir, moduleOf)).toEqual([['modules/x', 'modules/y', 'modules/x']]);
    });
  });
});
