// Errors a user sees. Each carries a one-line message that names the file, node or op and what to do,
// and the exit code the CLI returns. Anything else that escapes is a bug (printed with a stack under --verbose).

export class UserError extends Error {
  /** 1: bad input or failed step; 2: the model uses something unsupported */
  readonly exitCode: number;
  /** machine-readable details for --json output */
  readonly details?: unknown;
  constructor(message: string, opts: { exitCode?: number; details?: unknown } = {}) {
    super(message);
    this.name = 'UserError';
    this.exitCode = opts.exitCode ?? 1;
    this.details = opts.details;
  }
}

export interface UnsupportedNode {
  name: string;
  op: string;
  domain: string;
  opset: number;
  /** why, when the op is known but an attribute value is not (e.g. Conv group 2) */
  reason?: string;
}

/** Every unsupported node of a model at once, so the user sees all of them. */
export class UnsupportedModelError extends UserError {
  readonly nodes: UnsupportedNode[];
  constructor(file: string, nodes: UnsupportedNode[]) {
    const list = nodes
      .map((n) => `${n.name} (${n.domain || 'ai.onnx'}::${n.op}, opset ${n.opset}${n.reason ? `: ${n.reason}` : ''})`)
      .join('; ');
    super(`${file}: ${nodes.length} unsupported node${nodes.length === 1 ? '' : 's'}: ${list}. See the supported-op list in README.md.`, {
      exitCode: 2,
      details: { unsupported: nodes },
    });
    this.name = 'UnsupportedModelError';
    this.nodes = nodes;
  }
}
