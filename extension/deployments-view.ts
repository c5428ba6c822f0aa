// The Deployments view (Explorer): every deployment of the workspace, grouped by chain, with its state read
// by `stylus-ml status` — warnings for a program that needs re-activation, expires within 30 days or is not
// cached — and inline actions (Activate, Cache) that the commands run. The rows are deployments-tree.ts's.
import * as vscode from 'vscode';
import type { CoreClient } from './core-client';
import type { DeploymentStore } from './deployments';
import { deploymentTree, type ChainGroup, type DeploymentRow, type EntryStatus } from './deployments-tree';

export const DEPLOYMENTS_VIEW_ID = 'stylusMl.deployments';

export type DeploymentNode =
  | { kind: 'chain'; group: ChainGroup }
  | { kind: 'deployment'; row: DeploymentRow }
  | { kind: 'detail'; text: string; warning: boolean; id: string };

const ICONS = {
  ok: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  warning: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')),
  unknown: new vscode.ThemeIcon('loading~spin'),
};

export class DeploymentsView implements vscode.TreeDataProvider<DeploymentNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<DeploymentNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly statuses = new Map<string, EntryStatus>();
  private groups: ChainGroup[] = [];
  private generation = 0;
  readonly view: vscode.TreeView<DeploymentNode>;

  constructor(
    private readonly store: DeploymentStore,
    private readonly core: CoreClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.view = vscode.window.createTreeView(DEPLOYMENTS_VIEW_ID, { treeDataProvider: this });
    this.view.onDidChangeVisibility((e) => e.visible && void this.refresh());
  }

  dispose(): void {
    this.view.dispose();
    this.changed.dispose();
  }

  /** Re-reads every deployment's status (all at once; each row updates when its answer arrives). */
  async refresh(): Promise<void> {
    const gen = ++this.generation;
    const all = this.store.all();
    for (const dir of [...this.statuses.keys()]) if (!(dir in all)) this.statuses.delete(dir);
    for (const dir of Object.keys(all)) this.statuses.set(dir, null);
    this.rebuild();
    await Promise.all(
      Object.entries(all).map(async ([dir, d]) => {
        let st: EntryStatus;
        try {
          st = { ok: true, status: await this.core.status(dir, d.rpcUrl, d.address) };
        } catch (e) {
          st = { ok: false, error: e instanceof Error ? e.message : String(e) };
          this.log.warn(`status of ${dir} at ${d.address}: ${st.error}`);
        }
        if (gen !== this.generation) return;
        this.statuses.set(dir, st);
        this.rebuild();
      }),
    );
  }

  /** The row of a crate's deployment, as last read. */
  row(crateDir: string): DeploymentRow | undefined {
    return this.groups.flatMap((g) => g.rows).find((r) => r.crateDir === crateDir);
  }

  rows(): DeploymentRow[] {
    return this.groups.flatMap((g) => g.rows);
  }

  private rebuild(): void {
    this.groups = deploymentTree(this.store.all(), this.statuses);
    this.changed.fire(undefined);
  }

  getChildren(node?: DeploymentNode): DeploymentNode[] {
    if (!node) return this.groups.map((group) => ({ kind: 'chain', group }));
    if (node.kind === 'chain') return node.group.rows.map((row) => ({ kind: 'deployment', row }));
    if (node.kind === 'deployment') {
      const lines = [...node.row.warnings.map((text) => ({ text, warning: true })), ...node.row.details.map((text) => ({ text, warning: false }))];
      return lines.map((l, i) => ({ kind: 'detail' as const, ...l, id: `detail:${node.row.crateDir}:${i}` }));
    }
    return [];
  }

  getTreeItem(node: DeploymentNode): vscode.TreeItem {
    if (node.kind === 'chain') {
      const item = new vscode.TreeItem(node.group.label, vscode.TreeItemCollapsibleState.Expanded);
      item.description = node.group.description;
      item.iconPath = new vscode.ThemeIcon('server-environment');
      item.contextValue = 'chain';
      item.id = `chain:${node.group.rpcUrl}`;
      return item;
    }
    if (node.kind === 'deployment') {
      const r = node.row;
      const item = new vscode.TreeItem(r.label, r.severity === 'ok' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
      item.description = r.description;
      item.tooltip = r.tooltip;
      item.iconPath = ICONS[r.severity];
      item.contextValue = r.contextValue;
      item.id = `deployment:${r.crateDir}`;
      return item;
    }
    const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    item.iconPath = node.warning ? ICONS.warning : new vscode.ThemeIcon('info');
    item.id = node.id;
    return item;
  }
}
