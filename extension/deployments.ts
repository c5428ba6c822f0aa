// Where each crate was deployed in this workspace (address, RPC, tx hashes), kept in workspaceState so
// that Call Predict… and the preview's Try-it box know where to send calls after a reload.
import type * as vscode from 'vscode';
import type { Deployment } from '../webview/protocol';
import { CONTEXT_KEYS, type ContextKeys } from './context-keys';

const KEY = 'stylusMl.deployments';

export class DeploymentStore {
  constructor(private readonly memento: vscode.Memento, private readonly context: ContextKeys) {
    void this.context.set(CONTEXT_KEYS.hasDeployment, Object.keys(this.all()).length > 0);
  }

  all(): Record<string, Deployment> {
    return this.memento.get<Record<string, Deployment>>(KEY, {});
  }

  get(crateDir: string): Deployment | null {
    return this.all()[crateDir] ?? null;
  }

  async set(crateDir: string, d: Deployment): Promise<void> {
    await this.memento.update(KEY, { ...this.all(), [crateDir]: d });
    await this.context.set(CONTEXT_KEYS.hasDeployment, true);
  }

  /** A devnode reset forgets every deployment made on it. */
  async forgetRpc(rpcUrl: string): Promise<void> {
    const kept = Object.fromEntries(Object.entries(this.all()).filter(([, d]) => d.rpcUrl !== rpcUrl));
    await this.memento.update(KEY, kept);
    await this.context.set(CONTEXT_KEYS.hasDeployment, Object.keys(kept).length > 0);
  }
}
