import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { printOmniSchema } from './print-schema';

/** `npm run schema:emit`: writes schema/schema.graphql from the code. */
const target = path.resolve(__dirname, '../../schema/schema.graphql');
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, printOmniSchema());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
