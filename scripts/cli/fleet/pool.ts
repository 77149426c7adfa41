// Bounded concurrency: at most `limit` calls of `work` at once, results in input order. The
// gauge records the peak, which the benchmark reports.

export class Gauge {
  running = 0;
  peak = 0;

  enter(): void {
    this.running += 1;
    this.peak = Math.max(this.peak, this.running);
  }

  leave(): void {
    this.running -= 1;
  }
}

export async function mapPool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>, gauge = new Gauge()): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      gauge.enter();
      try {
        results[index] = await work(items[index]);
      } finally {
        gauge.leave();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
