// Version-less inference against Triton pods, as production clients send it through a Service:
// two loops per pod, each request to a pod the Service would route to (not drained). Draining a
// pod (a pod being stopped or restarted leaves the Service's endpoints first) stops new requests
// to it and waits for those in flight.
import { request } from "undici";
import { MODEL } from "./harness";

export const LOAD_INPUT = [5.1, 3.5, 1.4, 0.2];

export interface VersionLessLoad {
  /** Status of every request sent so far. */
  readonly statuses: number[];
  /** Stop sending to pod `i` and wait until it has no request of ours in flight. */
  drain(i: number): Promise<void>;
  undrain(i: number): void;
  finish(): Promise<number[]>;
}

/** Start the load; bounded at `max` requests. */
export function startVersionLessLoad(urls: string[], max = 4000): VersionLessLoad {
  let stop = false;
  const statuses: number[] = [];
  const drained = new Set<number>();
  const inFlight = urls.map(() => 0);
  const idle: (() => void)[][] = urls.map(() => []);
  const loops = urls.flatMap((url, i) =>
    [0, 1].map(async () => {
      while (!stop && statuses.length < max) {
        if (drained.has(i)) {
          // Back in the Service only when undrained; yield meanwhile.
          await new Promise((r) => setImmediate(r));
          continue;
        }
        inFlight[i]!++;
        try {
          const res = await request(`${url}/v2/models/${MODEL}/infer`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              inputs: [{ name: "input", datatype: "FP32", shape: [1, 4], data: LOAD_INPUT }],
            }),
          });
          await res.body.dump();
          statuses.push(res.statusCode);
        } catch {
          statuses.push(0);
        } finally {
          inFlight[i]!--;
          if (inFlight[i] === 0) for (const resolve of idle[i]!.splice(0)) resolve();
        }
      }
    }),
  );
  return {
    statuses,
    async drain(i) {
      drained.add(i);
      if (inFlight[i] !== 0) await new Promise<void>((resolve) => idle[i]!.push(resolve));
    },
    undrain(i) {
      drained.delete(i);
    },
    async finish() {
      stop = true;
      await Promise.all(loops);
      return statuses;
    },
  };
}
