import { loadConfig, readSecret, resolveConfigPath } from '../config/load.ts';
import { DriftLog } from '../connectors/ordermesh/drift.ts';
import { ordermeshClientFor } from '../connectors/ordermesh/from-config.ts';
import { DRIFT_HINT } from '../fixes.ts';
import type { Logger } from '../log.ts';
import { isNote, probeFailed, probeOrderMesh, type ProbeDrift, type ProbeResult } from '../ops/probe-ordermesh.ts';

export interface ProbeReport {
  baseUrl: string;
  clientId: string;
  merchantId: string | null;
  /** false when a read was refused, unreadable, unreachable or misleading (exit 1). */
  ok: boolean;
  results: ProbeResult[];
}

/**
 * `ordersync doctor --ordermesh`: needs only the config's `ordermesh` section, its client secret and
 * (for the merchant) a store; no database, no Shopify. Reads only.
 */
export async function runOrderMeshProbe(configFlag: string | undefined, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<ProbeReport> {
  const config = loadConfig(resolveConfigPath(configFlag, env));
  const secret = readSecret(config.ordermesh.clientSecret, 'ordermesh.clientSecret', env);
  // The first store's merchant (an enabled one first): the merchant the worker reads for.
  const merchantId = (config.stores.find((s) => s.enabled) ?? config.stores[0])?.merchantId;
  // A DriftLog of the probe's own: every notice of every answer, not only the first of each kind.
  let seen: ProbeDrift[] = [];
  const drift = new DriftLog({ onNotice: (operation, notice) => void seen.push({ operation, ...notice }) });
  const client = ordermeshClientFor(config, secret, { log, drift, timeoutMs: Math.min(config.ordermesh.timeoutMs, 10_000), retry: { maxAttempts: 2 } });
  try {
    const results = await probeOrderMesh(
      client,
      {
        take: () => {
          const out = seen;
          seen = [];
          return out;
        },
      },
      { ...(merchantId ? { merchantId } : {}), paths: config.ordermesh.paths },
    );
    return { baseUrl: config.ordermesh.baseUrl, clientId: config.ordermesh.clientId, merchantId: merchantId ?? null, ok: !probeFailed(results), results };
  } finally {
    client.close();
  }
}

export function formatProbe(report: ProbeReport): string {
  const lines = [`OrderMesh ${report.baseUrl}, client ${report.clientId}${report.merchantId ? `, merchant ${report.merchantId}` : ''} (reads only: nothing in OrderMesh changes)`, ''];
  for (const r of report.results) {
    const status = r.status === 'refused' && r.httpStatus !== undefined ? `refused ${r.httpStatus}` : r.status;
    lines.push(`${status.padEnd(11)} ${r.step}: ${r.detail}`);
    lines.push(`${''.padEnd(11)}   ${r.request}`);
    for (const d of r.drift) {
      const where = d.operation !== r.operation ? ` (in ${d.operation})` : '';
      const form = d.seen === 'array' ? 'a bare array' : d.seen === 'single object' ? 'one object' : d.seen;
      lines.push(isNote(d) ? `${''.padEnd(11)}   note: the docs show no envelope here; the answer is ${form}${where}` : `${''.padEnd(11)}   ${d.kind}: ${d.path || '$'}: expected ${d.expected}, seen ${d.seen}${where}`);
    }
    if (r.fix) lines.push(`${''.padEnd(11)}   fix: ${r.fix}`);
  }
  const drifted = report.results.filter((r) => r.status === 'drift').length;
  lines.push('');
  if (!report.ok) lines.push(`${report.results.filter((r) => !['ok', 'drift', 'skipped'].includes(r.status)).length} read(s) failed: the worker cannot run against this account as configured`);
  else lines.push(drifted ? `every read answered; ${drifted} with drift. ${DRIFT_HINT}` : 'every read answered as documented');
  return `${lines.join('\n')}\n`;
}
