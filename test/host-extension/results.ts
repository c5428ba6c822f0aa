// The file the in-host suite writes and the outer e2e test reads (no `vscode` import: both sides use it).

export interface HostTestResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface HostSuiteResults {
  /** 1 for the first activation in this user-data dir, 2 after an extension-host restart, ... */
  activation: number;
  startedAt: string;
  tests: HostTestResult[];
  /** facts the outer test checks after the suite (pids of owned processes, timings) */
  data: {
    activationMs?: number;
    codeLoadMs?: number;
    extensionHostPid?: number;
    /** processes the real extension owns: must be gone after its deactivate() */
    ownedPids?: number[];
    /** started by the suite outside the extension: must survive, proving the kill was the extension's */
    controlPid?: number;
    coreAvailable?: boolean;
    /** the language server the extension started for a Rust file (also in ownedPids) */
    languageServerPid?: number;
  };
}

export function resultsFile(dir: string, activation: number): string {
  return `${dir.replace(/\/$/, '')}/results-${activation}.json`;
}
