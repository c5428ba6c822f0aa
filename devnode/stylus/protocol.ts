// Messages between the runtime (main thread) and its worker threads.

import type { MessagePort } from 'node:worker_threads';
import type { CallContext } from '../../nitro/host';
import type { UserOutcome } from './api';

export interface WorkerInit {
  type: 'init';
  /** the main thread posts answers to requests here */
  port: MessagePort;
  /** Int32 flag the worker waits on; the main thread sets it to 1 after posting an answer */
  flag: SharedArrayBuffer;
}

export interface CallMessage {
  type: 'call';
  key: string;
  /** sent only the first time this worker runs the module */
  module?: WebAssembly.Module;
  ctx: CallContext;
  ink: bigint;
  inkPrice: number;
  maxStackDepth: number;
  arbosVersion: number;
  debug: boolean;
}

export interface RequestMessage {
  type: 'req';
  method: string;
  args: unknown[];
}

export type ResponseMessage = { ok: true; value: unknown } | { ok: false; error: string };

export interface DoneMessage {
  type: 'done';
  outcome: UserOutcome;
  inkLeft: bigint;
  /** V8's stack overflowed before the depth checker's budget ran out (reported as OutOfStack) */
  nativeStackOverflow?: boolean;
}

/** debug-chain console output of a program */
export interface LogMessage {
  type: 'log';
  text: string;
}
