import type { Checkpoint } from "./model.js";
import { type DirEntry, joinPath } from "./storage.js";

/** A folder known by name only, with the sort key the scanner will give it. */
export interface Pending {
  entry: DirEntry;
  key: Checkpoint;
}

/**
 * Name-ordered candidates, newest first, without sorting them all: a binary max-heap over
 * (step digits, name) — `compareCheckpoints` order for intermediate checkpoints with a step —
 * so taking the newest k of n costs O(n + k log n) and only the taken ones become objects.
 */
export class PendingQueue {
  private readonly heap: number[];
  private head: Pending | undefined;

  constructor(
    private readonly entries: DirEntry[],
    /** Step digits without leading zeros, per entry. */
    private readonly digits: string[],
    /** Folder holding the entries, and the prefix of their checkpoint names. */
    private readonly dir: string,
    private readonly prefix: string,
  ) {
    this.heap = entries.map((_, i) => i);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  get length(): number {
    return this.heap.length + (this.head ? 1 : 0);
  }

  /** The newest pending candidate. */
  peek(): Pending | undefined {
    if (!this.head && this.heap.length) this.head = this.pop();
    return this.head;
  }

  /** Removes and returns the newest pending candidate. */
  shift(): Pending | undefined {
    const p = this.peek();
    this.head = undefined;
    return p;
  }

  private pop(): Pending {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      this.down(0);
    }
    const d = this.digits[top]!;
    const key = {
      step: Number(d),
      stepText: d,
      name: this.prefix + this.entries[top]!.name,
      location: joinPath(this.dir, this.entries[top]!.name),
      role: "intermediate",
    } as Checkpoint;
    return { entry: this.entries[top]!, key };
  }

  /** a newer than b */
  private newer(a: number, b: number): boolean {
    const x = this.digits[a]!;
    const y = this.digits[b]!;
    if (x.length !== y.length) return x.length > y.length;
    if (x !== y) return x > y;
    return this.entries[a]!.name > this.entries[b]!.name;
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.newer(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.newer(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      const t = h[i]!;
      h[i] = h[m]!;
      h[m] = t;
      i = m;
    }
  }
}
