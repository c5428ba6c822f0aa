// What the Deployments view shows, computed without `vscode`: the workspace's deployments grouped by chain,
// each with its state from `stylus-ml status` (the same warnings the CLI prints, core/chain/lifecycle.ts
// statusWarnings), the details beneath it, and which actions apply (its contextValue).
import path from 'node:path';
import type { StatusJson } from './core-client';
import { DEVNODE_CHAIN_ID } from '../core/chain/chain-ids';
import type { Deployment } from '../webview/protocol';

export type Severity = 'ok' | 'warning' | 'error' | 'unknown';

/** null while the status is being read */
export type EntryStatus = { ok: true; status: StatusJson } | { ok: false; error: string } | null;

export interface DeploymentRow {
  crateDir: string;
  deployment: Deployment;
  label: string;
  description: string;
  tooltip: string;
  severity: Severity;
  warnings: string[];
  details: string[];
  /** `deployment` plus ` activatable` (activate or keepalive is due) and ` cacheable` */
  contextValue: string;
}

export interface ChainGroup {
  rpcUrl: string;
  label: string;
  description: string;
  rows: DeploymentRow[];
}

const n = (x: number) => x.toLocaleString('en-US');
const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;

function severityOf(s: StatusJson): Severity {
  if (!s.activated || s.needsUpgrade || s.expired) return 'error';
  return s.warnings.length > 0 ? 'warning' : 'ok';
}

function details(s: StatusJson): string[] {
  const out: string[] = [];
  if (!s.activated) out.push('not activated');
  else if (s.needsUpgrade) out.push(`Stylus version ${s.programVersion}; the chain runs ${s.stylusVersion}`);
  else if (s.expired) out.push(`expired: ${s.ageDays} days since its activation or keepalive (limit ${s.expiryDays})`);
  else {
    out.push(`Stylus version ${s.programVersion}, active`);
    out.push(`expires in ${s.expiresInDays} days; keepalive ${s.keepaliveAfterDays === 0 ? 'due now' : `in ${s.keepaliveAfterDays} days`}`);
  }
  if (s.initGas !== null && s.cachedInitGas !== null) {
    out.push(s.cached ? `cached: a call starts for ${n(s.cachedInitGas)} gas (${n(s.initGas)} uncached)` : `not cached: a call starts for ${n(s.initGas)} gas (${n(s.cachedInitGas)} if cached)`);
  } else if (s.cached) out.push('cached'); // "not cached" is among the warnings already
  if (s.isCurrentBuild === false) out.push("the code there is not the crate's current build");
  return out;
}

export function deploymentRow(crateDir: string, deployment: Deployment, st: EntryStatus): DeploymentRow {
  const label = path.basename(crateDir);
  const base = { crateDir, deployment, label };
  if (st === null) return { ...base, description: `${short(deployment.address)} · reading…`, tooltip: deployment.address, severity: 'unknown', warnings: [], details: [], contextValue: 'deployment' };
  if (!st.ok) return { ...base, description: `${short(deployment.address)} · status unavailable`, tooltip: st.error, severity: 'unknown', warnings: [], details: [st.error], contextValue: 'deployment' };
  const s = st.status;
  const severity = severityOf(s);
  const headline = s.warnings[0] ?? (s.cached ? 'cached' : 'active');
  const activatable = !s.activated || s.needsUpgrade || s.expired || s.keepaliveAfterDays === 0;
  const cacheable = s.activated && !s.needsUpgrade && !s.expired && !s.cached;
  return {
    ...base,
    description: `${short(s.address)} · ${headline}`,
    tooltip: [`${label} at ${s.address} (chain ${s.chainId})`, ...details(s), ...s.warnings.map((w) => `⚠ ${w}`)].join('\n'),
    severity,
    warnings: s.warnings,
    details: details(s),
    contextValue: `deployment${activatable ? ' activatable' : ''}${cacheable ? ' cacheable' : ''}`,
  };
}

/** The deployments grouped by the chain they are on (by RPC URL; labelled with the chain id once known). */
export function deploymentTree(entries: Record<string, Deployment>, statuses: ReadonlyMap<string, EntryStatus>): ChainGroup[] {
  const groups = new Map<string, ChainGroup>();
  for (const [crateDir, d] of Object.entries(entries).sort(([a], [b]) => path.basename(a).localeCompare(path.basename(b)))) {
    const st = statuses.get(crateDir) ?? null;
    const g = groups.get(d.rpcUrl) ?? { rpcUrl: d.rpcUrl, label: d.rpcUrl, description: '', rows: [] };
    if (st?.ok) {
      g.label = st.status.chainId === DEVNODE_CHAIN_ID ? `Devnode (chain ${st.status.chainId})` : `Chain ${st.status.chainId}`;
      g.description = d.rpcUrl;
    }
    g.rows.push(deploymentRow(crateDir, d, st));
    groups.set(d.rpcUrl, g);
  }
  return [...groups.values()];
}

/** "0.000239 ETH (1,924,562 gas at 0.1 gwei + 0.0000466 ETH data fee)" from a CLI cost */
export function costText(c: { gas: number; gasPriceWei: string; paidWei: string; totalEth: string }, paidAs: string): string {
  const gwei = Number(BigInt(c.gasPriceWei)) / 1e9;
  const paid = BigInt(c.paidWei);
  return `${c.totalEth} ETH (${n(c.gas)} gas at ${gwei} gwei${paid > 0n ? ` + ${paid.toLocaleString('en-US')} wei ${paidAs}` : ''})`;
}
