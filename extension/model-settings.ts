// A bare model's preview settings — its input box (the stated default, one range, one per input, or a
// calibration file), weights and optimisation goal — as the engine's command-line flags, remembered per
// model in the workspace state. The same flags go to `estimate`, `simulate` and, on "Create crate", `new`,
// so the crate is the one the preview showed. No `vscode` import (the Memento is an interface here).
import path from 'node:path';
import { parseContract } from '../core/contracts/check';
import { PreviewOptionsSchema, defaultOptions, type BoxSettings, type PreviewOptions } from '../webview/protocol';

/** The part of vscode.Memento this module uses. */
export interface SettingsStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

const KEY_PREFIX = 'stylusMl.previewSettings:';

/** The key of a model's settings: its absolute path (one workspace's state holds its own models only). */
export const settingsKey = (modelPath: string) => KEY_PREFIX + path.resolve(modelPath);

/** The settings remembered for a model, or the defaults (a stored value that no longer parses is dropped). */
export function loadSettings(store: SettingsStore, modelPath: string): PreviewOptions {
  const saved = store.get<unknown>(settingsKey(modelPath));
  if (saved === undefined) return defaultOptions();
  try {
    return parseContract(PreviewOptionsSchema, saved, 'preview settings');
  } catch {
    return defaultOptions();
  }
}

export async function saveSettings(store: SettingsStore, modelPath: string, options: PreviewOptions): Promise<void> {
  await store.update(settingsKey(modelPath), options);
}

const pair = (r: readonly [number, number]) => `${r[0]}:${r[1]}`;

/**
 * The box flags for the engine. The default box gives none (the engine's default applies, and names
 * itself in `estimate --json`'s `box`); `defaultSpec` is that box as a spec, for the commands that need one
 * declared (`simulate --random`, `new`).
 */
export function boxArgs(box: BoxSettings | undefined, inputs: readonly string[], defaultSpec: string | null = null): string[] {
  switch (box?.mode ?? 'default') {
    case 'range':
      if (box?.range) return ['--input-range', pair(box.range)];
      break;
    case 'per-input':
      if (box?.perInput && inputs.every((n) => box.perInput![n])) return ['--input-range', inputs.map((n) => `${n}=${pair(box.perInput![n])}`).join(',')];
      break;
    case 'calibration':
      if (box?.calibration) return ['--calibration', box.calibration, '--box', box.shape ?? 'auto', ...(box.margin !== undefined ? ['--box-margin', String(box.margin)] : [])];
      break;
    case 'default':
      break;
  }
  return defaultSpec ? ['--input-range', defaultSpec] : [];
}

/** The quantisation flags of the weights control ('auto' is the engine's own choice: no flag). */
export function weightArgs(options: PreviewOptions): string[] {
  return options.format === 'auto' ? [] : ['--weights', options.format];
}

