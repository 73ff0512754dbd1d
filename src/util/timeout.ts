// Waiting for a promise no longer than a given time.

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * Settles as `promise` does, or rejects with a TimeoutError after `ms`; the work itself goes on (abort it yourself).
 * The error is made only when the time runs out: p-timeout, used before, made one with its stack trace on every call,
 * about 2% of the server's CPU under load (profiled, issue 13).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
