// Waiting for a JSON-RPC endpoint the way nitro-devnode's script does: POST net_version until the
// answer carries a "result".
export interface ProbeOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** stop early (e.g. the process we wait for has exited) */
  abort?: () => string | null;
}

/** One net_version probe: the version string, or null when the endpoint is not answering yet. */
export async function probeNetVersion(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'net_version', params: [], id: 1 }),
      signal: AbortSignal.timeout(2000),
    });
    const body = (await res.json()) as { result?: unknown };
    return typeof body.result === 'string' ? body.result : null;
  } catch {
    return null;
  }
}

export async function waitForRpc(url: string, opts: ProbeOptions = {}): Promise<string> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const v = await probeNetVersion(url);
    if (v !== null) return v;
    const why = opts.abort?.();
    if (why) throw new Error(why);
    if (Date.now() > deadline) throw new Error(`${url} did not answer net_version within ${opts.timeoutMs ?? 60_000} ms`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
