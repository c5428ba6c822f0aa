// The two JSON-RPC reads the status bar needs (block number, chain id). Anything more goes through the
// engine (core/chain). No `vscode` import.

export async function jsonRpc<T>(url: string, method: string, params: unknown[] = [], timeoutMs = 2000): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status}`);
  const body = (await res.json()) as { result?: T; error?: { message?: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message ?? 'error'}`);
  return body.result as T;
}

export async function blockNumber(url: string): Promise<number> {
  return Number(BigInt(await jsonRpc<string>(url, 'eth_blockNumber')));
}

export async function chainId(url: string): Promise<number> {
  return Number(BigInt(await jsonRpc<string>(url, 'eth_chainId')));
}
