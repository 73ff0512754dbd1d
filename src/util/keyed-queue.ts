// Runs tasks one at a time per key, in the order they were queued; different keys run concurrently.

export interface KeyedQueue {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** How many tasks for this key are queued behind the one running now. */
  waitingBehind(key: string): number;
}

export function createKeyedQueue(): KeyedQueue {
  const lanes = new Map<string, { tail: Promise<void>; size: number }>();
  return {
    async run(key, task) {
      const lane = lanes.get(key) ?? { tail: Promise.resolve(), size: 0 };
      lanes.set(key, lane);
      const previous = lane.tail;
      let release!: () => void;
      lane.tail = new Promise<void>((resolve) => (release = resolve));
      lane.size += 1;
      try {
        await previous;
        return await task();
      } finally {
        lane.size -= 1;
        if (lane.size === 0) lanes.delete(key);
        release();
      }
    },
    waitingBehind(key) {
      return Math.max(0, (lanes.get(key)?.size ?? 0) - 1);
    },
  };
}
