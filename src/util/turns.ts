// Lets one piece of heavy synchronous work run per turn of the event loop: a webhook's start (storing, searching,
// building the LLM call) or the teardown of an abandoned LLM request. Between turns Node reads new requests and
// runs due timers, such as the deadlines of requests waiting on the LLM: when 200 webhooks arrive or time out at
// once, a deadline then waits for one piece of work (about 2 ms), not for all of them (300 ms, measured).

const waiting: (() => void)[] = [];
let releasing = false;

function releaseNext() {
  waiting.shift()?.();
  if (waiting.length > 0) setImmediate(releaseNext);
  else releasing = false;
}

export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!releasing) {
      releasing = true;
      setImmediate(releaseNext);
    }
  });
}
