// When the language server dies: restart it, but not forever. A server that crashes on some input would
// otherwise restart in a loop and fill the output with the same trace; after `max` crashes within
// `windowMs` it stays down and says how to bring it back. No `vscode` import (unit-tested).

export interface RestartDecision {
  restart: boolean;
  /** what to tell the user (output channel and, when it stays down, a notification) */
  message: string;
}

export class RestartPolicy {
  private readonly crashes: number[] = [];

  constructor(
    private readonly max = 4,
    private readonly windowMs = 3 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The server's connection closed unexpectedly. */
  closed(): RestartDecision {
    const t = this.now();
    this.crashes.push(t);
    while (this.crashes.length > 0 && t - this.crashes[0] > this.windowMs) this.crashes.shift();
    const n = this.crashes.length;
    if (n <= this.max) return { restart: true, message: `the language server stopped unexpectedly; restarting it (${n} of ${this.max} restarts allowed in ${this.windowMs / 60_000} minutes)` };
    return {
      restart: false,
      message: `the language server stopped ${n} times in ${this.windowMs / 60_000} minutes and stays off; fixed-point diagnostics are paused. See the "Stylus ML Language Server" output, then run "Developer: Reload Window" to start it again.`,
    };
  }

  /** An error on the connection (a malformed message, a write that failed): keep going unless it repeats. */
  error(count: number | undefined): { shutdown: boolean } {
    return { shutdown: (count ?? 0) > 3 };
  }
}
