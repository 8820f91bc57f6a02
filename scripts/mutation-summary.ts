/**
 * `npm run mutation`'s last step: the two Stryker reports (reports/mutation/{mapping,ledger}.json) as
 * one summary in bench/results/mutation-<commit>.json, scores per file and per target group against
 * the targets (issue 16), and every surviving mutant of the money modules either explained in
 * mutation/equivalent.json (why it cannot change behaviour) or listed as a test to write.
 * Usage: node scripts/mutation-summary.ts [--survivors]  (--survivors prints every survivor)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

interface Mutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number } };
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

const REPORTS = ['reports/mutation/mapping.json', 'reports/mutation/ledger.json'];
const TARGETS = [
  { group: 'src/mapping/', min: 85, match: (f: string) => f.startsWith('src/mapping/') },
  { group: 'the rest (order input, outcome rule, ledger rules, write-back matching)', min: 70, match: (f: string) => !f.startsWith('src/mapping/') },
];
const MONEY = ['src/mapping/money.ts', 'src/mapping/shopify-money.ts'];
const DETECTED = new Set(['Killed', 'Timeout']);
const COUNTED = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);

const equivalent: Record<string, string> = existsSync('mutation/equivalent.json') ? JSON.parse(readFileSync('mutation/equivalent.json', 'utf8')) : {};
/** How a mutant is named in equivalent.json: file:line, the mutator and what it puts there. */
const keyOf = (file: string, m: Mutant) => `${file}:${m.location.start.line} ${m.mutatorName} → ${m.replacement ?? ''}`;

const files: Array<{ file: string; detected: number; counted: number; survivors: Array<{ key: string; line: string }> }> = [];
for (const path of REPORTS) {
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run mutation`);
  const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
  for (const [file, f] of Object.entries(report.files)) {
    const lines = f.source.split('\n');
    const counted = f.mutants.filter((m) => COUNTED.has(m.status));
    files.push({
      file,
      detected: counted.filter((m) => DETECTED.has(m.status)).length,
      counted: counted.length,
      survivors: counted.filter((m) => !DETECTED.has(m.status)).map((m) => ({ key: keyOf(file, m), line: lines[m.location.start.line - 1]!.trim().slice(0, 140) })),
    });
  }
}
const score = (d: number, c: number) => (c === 0 ? 100 : Math.round((1000 * d) / c) / 10);
const groups = TARGETS.map((t) => {
  const mine = files.filter((f) => t.match(f.file));
  const detected = mine.reduce((a, f) => a + f.detected, 0);
  const counted = mine.reduce((a, f) => a + f.counted, 0);
  return { group: t.group, target: t.min, score: score(detected, counted), killed: detected, mutants: counted, met: score(detected, counted) >= t.min };
});
const money = files
  .filter((f) => MONEY.includes(f.file))
  .flatMap((f) => f.survivors.map((s) => ({ mutant: s.key, code: s.line, equivalent: equivalent[s.key] ?? null })));
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const summary = {
  commit,
  at: new Date().toISOString(),
  command: 'npm run mutation',
  machine: 'this project\'s 2-core machine',
  groups,
  files: files.map((f) => ({ file: f.file, score: score(f.detected, f.counted), killed: f.detected, mutants: f.counted, survived: f.counted - f.detected })),
  moneySurvivors: money,
  moneyUnexplained: money.filter((m) => !m.equivalent).length,
};
mkdirSync('bench/results', { recursive: true });
const out = `bench/results/mutation-${commit}.json`;
writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);

for (const g of groups) console.log(`${g.met ? 'met' : 'MISSED'}  ${g.group}: ${g.score}% of ${g.mutants} mutants killed (target ${g.target}%)`);
for (const f of summary.files) console.log(`  ${String(f.score).padStart(5)}%  ${f.file} (${f.killed}/${f.mutants})`);
console.log(`money modules: ${money.length} survivor(s), ${summary.moneyUnexplained} not explained in mutation/equivalent.json`);
for (const m of money.filter((x) => !x.equivalent)) console.log(`  ${m.mutant}  | ${m.code}`);
if (process.argv.includes('--survivors')) for (const f of files) for (const s of f.survivors) console.log(`S ${s.key}  | ${s.line}`);
console.log(`written: ${out}`);
