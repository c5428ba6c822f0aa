// A minimal promise-based test runner for inside the extension host (no mocha on this machine; the
// rust-analyzer client does the same). Tests run one after another; a failure is recorded, never thrown.
import type { HostTestResult } from './results';

export type TestFn = () => Promise<void> | void;

export class Suite {
  private readonly tests: { name: string; fn: TestFn; timeoutMs: number }[] = [];

  test(name: string, fn: TestFn, timeoutMs = 20_000): void {
    this.tests.push({ name, fn, timeoutMs });
  }

  async run(): Promise<HostTestResult[]> {
    const results: HostTestResult[] = [];
    for (const t of this.tests) {
      const t0 = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(t.fn),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${t.timeoutMs} ms`)), t.timeoutMs);
          }),
        ]);
        results.push({ name: t.name, ok: true, ms: Date.now() - t0 });
      } catch (e) {
        results.push({ name: t.name, ok: false, ms: Date.now() - t0, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
      } finally {
        clearTimeout(timer);
      }
    }
    return results;
  }
}

export async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
