// Shares a few download slots between customers, so that one customer's flood of files cannot starve the others:
// each customer runs at most a couple of downloads at a time, waiting customers take turns, and a file an answer is
// waiting for (a voice note to hear, a photo to see) goes ahead of every backlog, with slots that backlogs never take.

export interface FairQueueLimits {
  /** Downloads at once, in all. */
  atOnce: number;
  /** Downloads at once for one customer, counted apart for files needed now and for the rest. */
  perCustomer: number;
  /** Slots only files needed now may use: a backlog fills at most `atOnce - keptForNeededNow`. */
  keptForNeededNow: number;
}

export interface QueuedJob {
  customer: number;
  /** An answer is waiting for this file. */
  neededNow: boolean;
}

export interface FairQueue {
  /** Runs `task` when its turn comes; settles as the task does. */
  run<T>(job: QueuedJob, task: () => Promise<T>): Promise<T>;
}

interface Lane {
  /** Waiting tasks by customer; a Map keeps insertion order, which is the order customers take turns in. */
  waiting: Map<number, (() => void)[]>;
  running: Map<number, number>;
  total: number;
}

const lane = (): Lane => ({ waiting: new Map(), running: new Map(), total: 0 });

export function createFairQueue(limits: FairQueueLimits): FairQueue {
  const neededNow = lane();
  const backlog = lane();
  const busy = () => neededNow.total + backlog.total;

  /** Starts the first task of the first customer (in turn order) who may run one more; false when none may. */
  function startNext(from: Lane, roomLeft: number): boolean {
    if (roomLeft <= 0) return false;
    for (const [customer, tasks] of from.waiting) {
      if ((from.running.get(customer) ?? 0) >= limits.perCustomer) continue;
      const start = tasks.shift()!;
      // To the back of the line: the next customer's task goes first.
      from.waiting.delete(customer);
      if (tasks.length > 0) from.waiting.set(customer, tasks);
      start();
      return true;
    }
    return false;
  }

  function pump(): void {
    while (
      startNext(neededNow, limits.atOnce - busy()) ||
      startNext(backlog, Math.min(limits.atOnce - busy(), limits.atOnce - limits.keptForNeededNow - backlog.total))
    );
  }

  return {
    run(job, task) {
      const which = job.neededNow ? neededNow : backlog;
      return new Promise((resolve, reject) => {
        const start = () => {
          which.total += 1;
          which.running.set(job.customer, (which.running.get(job.customer) ?? 0) + 1);
          // Never a throw into pump(): a task that throws at once settles its own promise.
          Promise.resolve()
            .then(task)
            .then(resolve, reject)
            .finally(() => {
              which.total -= 1;
              const left = which.running.get(job.customer)! - 1;
              if (left > 0) which.running.set(job.customer, left);
              else which.running.delete(job.customer);
              pump();
            });
        };
        const tasks = which.waiting.get(job.customer);
        if (tasks) tasks.push(start);
        else which.waiting.set(job.customer, [start]);
        pump();
      });
    },
  };
}
