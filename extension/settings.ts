// The extension's settings (`stylusMl.*`): names, defaults and a typed reader. package.json's
// `contributes.configuration` is the user-facing schema; test/unit/extension-manifest.test.ts checks that
// the two agree key for key, default for default.

import { DEFAULT_ARBOS_VERSION, SUPPORTED_ARBOS_VERSIONS } from '../nitro/arbos';

export type DevnodeMode = 'embedded' | 'docker' | 'rpc';
export type Template = 'sdk' | 'minimal';
export type InputPolicy = 'revert' | 'clamp';

export interface StylusMlSettings {
  devnode: { mode: DevnodeMode; port: number; arbosVersion: number; rpcUrl: string };
  defaultTemplate: Template;
  inputPolicy: InputPolicy;
  estimates: { enable: boolean };
  diagnostics: { enable: boolean };
  codeLens: { enable: boolean };
}

export const SETTINGS_SECTION = 'stylusMl';

/** Every setting key (without the section) and its default. */
export const SETTING_DEFAULTS = {
  'devnode.mode': 'embedded',
  'devnode.port': 8547,
  'devnode.arbosVersion': DEFAULT_ARBOS_VERSION,
  'devnode.rpcUrl': '',
  defaultTemplate: 'sdk',
  inputPolicy: 'revert',
  'estimates.enable': true,
  'diagnostics.enable': true,
  'codeLens.enable': false,
} as const satisfies Record<string, string | number | boolean>;

export type SettingKey = keyof typeof SETTING_DEFAULTS;

/** Minimal view of vscode.WorkspaceConfiguration, so this module stays free of `vscode`. */
export interface ConfigReader {
  get<T>(key: string): T | undefined;
}

function pick<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function int(value: unknown, fallback: number, lo: number, hi: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= lo && value <= hi ? value : fallback;
}

function oneOfNumbers(value: unknown, allowed: readonly number[], fallback: number): number {
  return typeof value === 'number' && allowed.includes(value) ? value : fallback;
}

function flag(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

/** Reads and sanitises the settings; a malformed value falls back to its default. */
export function readSettings(cfg: ConfigReader): StylusMlSettings {
  const d = SETTING_DEFAULTS;
  const rpcUrl = cfg.get<unknown>('devnode.rpcUrl');
  return {
    devnode: {
      mode: pick(cfg.get('devnode.mode'), ['embedded', 'docker', 'rpc'] as const, d['devnode.mode']),
      port: int(cfg.get('devnode.port'), d['devnode.port'], 1024, 65535),
      arbosVersion: oneOfNumbers(cfg.get('devnode.arbosVersion'), SUPPORTED_ARBOS_VERSIONS, d['devnode.arbosVersion']),
      rpcUrl: typeof rpcUrl === 'string' ? rpcUrl.trim() : d['devnode.rpcUrl'],
    },
    defaultTemplate: pick(cfg.get('defaultTemplate'), ['sdk', 'minimal'] as const, d.defaultTemplate),
    inputPolicy: pick(cfg.get('inputPolicy'), ['revert', 'clamp'] as const, d.inputPolicy),
    estimates: { enable: flag(cfg.get('estimates.enable'), d['estimates.enable']) },
    diagnostics: { enable: flag(cfg.get('diagnostics.enable'), d['diagnostics.enable']) },
    codeLens: { enable: flag(cfg.get('codeLens.enable'), d['codeLens.enable']) },
  };
}

/** The URL a client should talk to for the configured devnode mode. */
export function devnodeUrl(s: StylusMlSettings): string {
  return s.devnode.mode === 'rpc' ? s.devnode.rpcUrl : `http://127.0.0.1:${s.devnode.port}`;
}
