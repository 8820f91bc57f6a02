// Rewrites the README's reason-code table from src/fixes.ts (test/docs/fixes.test.ts fails when they differ).
import { readFileSync, writeFileSync } from 'node:fs';
import { fixesMarkdown } from '../src/fixes.ts';

const file = new URL('../README.md', import.meta.url);
const text = readFileSync(file, 'utf8');
const next = text.replace(/(<!-- fixes:start[^\n]*-->\n)[\s\S]*?(\n<!-- fixes:end -->)/, `$1${fixesMarkdown()}$2`);
writeFileSync(file, next);
process.stdout.write(next === text ? 'README fixes table already up to date\n' : 'README fixes table rewritten\n');
