// Deployments of different models at once, a few at a time. Different models are independent:
// each transaction holds its own model's lock and writes only under `<root>/<model>/` and
// `<root>/<model>.staging/`; the repository root only gains directory entries, which mkdir and
// rename create atomically (also on NFS). So the CLI's fan-out may run them side by side. The
// bound keeps a stack with fifty models from loading fifty models into each Triton pod at once.

/** How many models the CLI deploys at once. */
export const PARALLEL_DEPLOYMENTS = 4;

/**
 * `fn` over `items` with at most `limit` calls running at once; results in the order of `items`.
 * `fn` must not throw (it reports failures in its result): one failure must not stop the others.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`limit ${limit} is not a positive integer`);
  }
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
