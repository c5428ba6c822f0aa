// The arena planner: every intermediate tensor and every layer's scratch buffer gets a byte offset in one
// block of linear memory, reused by liveness as TFLite Micro's GreedyMemoryPlanner does — buffers sorted
// by size (largest first), each placed at the lowest offset where it overlaps no placed buffer that is
// live at the same time. Nothing lives on the shadow stack, so a model's size is bounded by the memory
// nitro prices (pages), not by the templates' 32 KiB stack.

/** Buffers start on 8-byte boundaries (the widest element an arena holds is an i64). */
export const ARENA_ALIGN = 8;

export interface ArenaRequest {
  id: string;
  bytes: number;
  /** first and last layer (inclusive) during which the buffer holds data that is still needed */
  first: number;
  last: number;
}

export interface ArenaPlan {
  /** buffer id → byte offset */
  offsets: Map<string, number>;
  /** bytes the arena needs (the highest end of any buffer) */
  bytes: number;
  /** the sum of every buffer's bytes: what a plan without reuse would need */
  unshared: number;
}

const align = (n: number) => Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;

export function planArena(requests: ArenaRequest[]): ArenaPlan {
  const order = [...requests].sort((a, b) => b.bytes - a.bytes || a.first - b.first || (a.id < b.id ? -1 : 1));
  const placed: { r: ArenaRequest; at: number; end: number }[] = [];
  const offsets = new Map<string, number>();
  let bytes = 0;
  for (const r of order) {
    const size = align(Math.max(r.bytes, 1));
    const clash = placed.filter((p) => p.r.first <= r.last && r.first <= p.r.last).sort((a, b) => a.at - b.at);
    let at = 0;
    for (const p of clash) {
      if (p.at >= at + size) break;
      at = Math.max(at, p.end);
    }
    placed.push({ r, at, end: at + size });
    offsets.set(r.id, at);
    bytes = Math.max(bytes, at + size);
  }
  return { offsets, bytes, unshared: requests.reduce((a, r) => a + align(Math.max(r.bytes, 1)), 0) };
}

/** True when no two buffers that are live at the same time share a byte (the planner's invariant). */
export function arenaIsSound(requests: ArenaRequest[], plan: ArenaPlan): boolean {
  for (let i = 0; i < requests.length; i++)
    for (let j = i + 1; j < requests.length; j++) {
      const a = requests[i];
      const b = requests[j];
      if (a.first > b.last || b.first > a.last) continue;
      const [x, y] = [plan.offsets.get(a.id)!, plan.offsets.get(b.id)!];
      if (x < y + b.bytes && y < x + a.bytes) return false;
    }
  return true;
}
