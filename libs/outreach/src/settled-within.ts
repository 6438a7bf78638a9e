/** Each promise's settlement, or undefined for those still pending after `ms`. */
export async function settledWithin<T>(promises: Promise<T>[], ms: number): Promise<(PromiseSettledResult<T> | undefined)[]> {
  const settled: (PromiseSettledResult<T> | undefined)[] = new Array(promises.length).fill(undefined);
  const all = Promise.all(
    promises.map((p, i) =>
      p.then(
        (value) => void (settled[i] = { status: 'fulfilled', value }),
        (reason: unknown) => void (settled[i] = { status: 'rejected', reason }),
      ),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
  return [...settled];
}
