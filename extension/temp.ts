// Short-lived files handed to the CLI (inputs, keys): private to the user and removed afterwards.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export async function withTempFile<T>(name: string, content: string, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stylus-ml-'));
  const file = path.join(dir, name);
  try {
    await writeFile(file, content, { mode: 0o600 });
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
