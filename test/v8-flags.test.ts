import fs from 'node:fs';
import path from 'node:path';
import { SERVER_NODE_FLAGS } from '../bench/bench-config';

const ROOT = path.join(__dirname, '..');

/**
 * The server's V8 flags are given on the node command line by every start of it, and never set at run
 * time with v8.setFlagsFromString (Node documents that as undefined behaviour once code has run).
 */
describe('V8 flags of the server', () => {
  it('npm start and npm run dev pass every flag to node before the server code', () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['start', 'dev']) {
      expect(scripts[name].startsWith(`node ${SERVER_NODE_FLAGS.join(' ')} `)).toBe(true);
      expect(scripts[name]).toContain('src/main.ts');
    }
  });

  it("the Dockerfile's CMD passes every flag to node", () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const cmd = dockerfile
      .split('\n')
      .filter((line) => line.startsWith('CMD '))
      .at(-1);
    expect(JSON.parse(cmd!.slice('CMD '.length))).toEqual(['node', ...SERVER_NODE_FLAGS, 'dist/src/main.js']);
  });

  it('no source file changes V8 flags at run time', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.ts') && fs.readFileSync(full, 'utf8').includes('setFlagsFromString')) offenders.push(path.relative(ROOT, full));
      }
    };
    walk(path.join(ROOT, 'src'));
    expect(offenders).toEqual([]);
  });
});
