// Lists surviving and uncovered mutants of a Stryker JSON report, one line each.
import { readFileSync } from 'node:fs';
const report = JSON.parse(readFileSync(process.argv[2] ?? 'reports/mutation/mutation.json', 'utf8'));
for (const [file, f] of Object.entries(report.files)) {
  const lines = f.source.split('\n');
  for (const m of f.mutants) {
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
    const l = m.location.start.line;
    console.log(`${m.status === 'Survived' ? 'S' : 'N'} ${file}:${l}:${m.location.start.column} ${m.mutatorName} → ${JSON.stringify(m.replacement ?? '')}  | ${lines[l - 1].trim().slice(0, 110)}`);
  }
}
