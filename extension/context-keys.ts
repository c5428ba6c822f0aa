// Context keys that gate commands and menus (`when` / `enablement` in package.json). The extension keeps
// its own copy of what it set so that tests (and the status bar) can read the current values.
import * as vscode from 'vscode';
import { CONTEXT_KEYS, type ContextKey } from './ids';

export { CONTEXT_KEYS, type ContextKey };

export class ContextKeys {
  private readonly values = new Map<ContextKey, boolean>();

  async set(key: ContextKey, value: boolean): Promise<void> {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    await vscode.commands.executeCommand('setContext', key, value);
  }

  get(key: ContextKey): boolean {
    return this.values.get(key) ?? false;
  }

  snapshot(): Record<string, boolean> {
    return Object.fromEntries(this.values);
  }
}
