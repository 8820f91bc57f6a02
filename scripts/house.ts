/**
 * The house's shape, measured (issue 35): query-builder or raw SQL outside src/db/, functions longer
 * than a page, import circles in src/, and lists of order states outside src/db/order-states.ts (an
 * array, or SQL's `in (…)`, in code, SQL or the console's script, naming two states or more). `node scripts/house.ts` prints each list; `--json` prints
 * them as JSON for test/house.test.ts. A function's length is counted from its first line to its last
 * (comments and blank lines included: what a reader has to hold at once), as the TypeScript parser
 * sees functions: declarations, methods, arrows and function expressions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const MAX_FUNCTION_LINES = 120;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// `sql<T>\`` and `sql.join` count too: the issue's grep (`sql\``) missed the typed form.
const QUERY = /\b(selectFrom|insertInto|updateTable|deleteFrom)\b|\bsql(<[^`;]*>)?`|\bsql\.(join|raw|ref|lit|id|table|val)\b/;
const STATES_MODULE = 'src/db/order-states.ts';
const QUOTED_STATE = /['"](pending|mapped|submitting|submitted|in_production|fulfilled|failed_mapping|rejected|failed|cancelled|on_hold|skipped|needs_attention)['"]/g;

function sourceFiles(dir: string, ext = '.ts'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p, ext) : e.name.endsWith(ext) ? [p] : [];
  });
}

export interface HouseReport {
  queriesOutsideDb: string[];
  longFunctions: Array<{ file: string; line: number; name: string; lines: number }>;
  importCircles: string[][];
  stateLists: Array<{ file: string; line: number; text: string }>;
}

/** Lists (brackets, SQL's `in (…)`, innermost) that name two order states or more, outside the states module. */
function stateLists(root: string, files: string[]): HouseReport['stateLists'] {
  const out: HouseReport['stateLists'] = [];
  for (const file of files) {
    const rel = relative(root, file);
    if (rel === STATES_MODULE) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\[[^[\]]*\]|\bin\s*\([^()]*\)/gi)) {
      const named = new Set([...m[0].matchAll(QUOTED_STATE)].map((q) => q[1]));
      // pg-boss's job states share two names with ours ('failed', 'cancelled'); 'retry' is only theirs.
      if (named.size >= 2 && !m[0].includes("'retry'")) out.push({ file: rel, line: text.slice(0, m.index).split('\n').length, text: m[0].replace(/\s+/g, ' ').slice(0, 100) });
    }
  }
  return out;
}

export function measureHouse(root = ROOT): HouseReport {
  const files = sourceFiles(join(root, 'src'));
  const rel = (f: string) => relative(root, f);
  const queriesOutsideDb = files.filter((f) => !rel(f).startsWith('src/db/') && QUERY.test(readFileSync(f, 'utf8'))).map(rel).sort();

  const longFunctions: HouseReport['longFunctions'] = [];
  const imports = new Map<string, string[]>();
  for (const file of files) {
    const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const deps: string[] = [];
    const visit = (node: ts.Node) => {
      // Every kind of import counts, type-only and dynamic ones too: a circle of types is still two
      // modules that cannot be read, or moved, one without the other.
      const spec =
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
          ? node.moduleSpecifier.text
          : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])
            ? node.arguments[0].text
            : null;
      if (spec?.startsWith('.')) deps.push(resolve(dirname(file), spec));
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = src.getLineAndCharacterOfPosition(node.getStart(src)).line;
        const last = src.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = last - first + 1;
        if (lines > MAX_FUNCTION_LINES) longFunctions.push({ file: rel(file), line: first + 1, name: nameOf(node), lines });
      }
      ts.forEachChild(node, visit);
    };
    visit(src);
    imports.set(file, deps);
  }
  return {
    queriesOutsideDb,
    longFunctions: longFunctions.sort((a, b) => b.lines - a.lines),
    importCircles: circles(imports).map((c) => c.map(rel)),
    stateLists: stateLists(root, [...files, ...sourceFiles(join(root, 'src'), '.js')]),
  };
}

function nameOf(node: ts.SignatureDeclaration): string {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText().slice(0, 40)})`;
  return '(anonymous)';
}

/** The strongly connected components of more than one module (Tarjan), each one circle of imports. */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const connect = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) connect(v);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = measureHouse();
  if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
  else {
    console.log(`SQL outside src/db/ (${r.queriesOutsideDb.length} files):\n${r.queriesOutsideDb.map((f) => `  ${f}`).join('\n')}`);
    console.log(`functions over ${MAX_FUNCTION_LINES} lines (${r.longFunctions.length}):\n${r.longFunctions.map((f) => `  ${f.lines}  ${f.file}:${f.line} ${f.name}`).join('\n')}`);
    console.log(`import circles (${r.importCircles.length}):\n${r.importCircles.map((c) => `  ${c.join(' ↔ ')}`).join('\n')}`);
    console.log(`lists of order states outside ${STATES_MODULE} (${r.stateLists.length}):\n${r.stateLists.map((l) => `  ${l.file}:${l.line} ${l.text}`).join('\n')}`);
  }
}
