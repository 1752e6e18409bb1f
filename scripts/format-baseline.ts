/**
 * Writes the list of source files Prettier would still change into the end of .prettierignore, so that
 * `npm run format:check` holds every other file (all new ones included) to the format without
 * reformatting the whole codebase at once (which would collide with every branch in flight).
 *
 *   npm run format:baseline   re-list the files not formatted yet (after a merge brings new ones)
 *   npm run format:all        empty the list and format everything: the one-off reformat
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';

const ROOT = path.join(__dirname, '..');
const IGNORE_FILE = path.join(ROOT, '.prettierignore');
const MARKER = '# --- Not formatted yet: written by `npm run format:baseline`; `npm run format:all` empties it. ---';
const SOURCES = /\.(ts|mjs|cjs|js)$/;

async function main(): Promise<void> {
  const clear = process.argv.includes('--clear');
  const text = fs.existsSync(IGNORE_FILE) ? fs.readFileSync(IGNORE_FILE, 'utf8') : '';
  const head = text.includes(MARKER) ? text.slice(0, text.indexOf(MARKER)) : text;
  const listed: string[] = [];
  if (!clear) {
    // Only tracked files: what a clean clone (CI) checks.
    const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((file) => SOURCES.test(file));
    fs.writeFileSync(IGNORE_FILE, head);
    for (const file of files) {
      const full = path.join(ROOT, file);
      if (!fs.existsSync(full)) continue;
      const info = await prettier.getFileInfo(full, { ignorePath: [path.join(ROOT, '.gitignore'), IGNORE_FILE] });
      if (info.ignored || !info.inferredParser) continue;
      const options = { ...(await prettier.resolveConfig(full)), filepath: full };
      if (!(await prettier.check(fs.readFileSync(full, 'utf8'), options))) listed.push(file);
    }
  }
  fs.writeFileSync(IGNORE_FILE, `${head.trimEnd()}\n\n${MARKER}\n${listed.map((file) => `/${file}`).join('\n')}\n`);
  console.log(clear ? 'format baseline emptied' : `${listed.length} file(s) listed as not formatted yet in .prettierignore`);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
