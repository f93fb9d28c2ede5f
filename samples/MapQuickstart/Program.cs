using Spindle.Pools;

// The ten lines of the README: a pool, a future, an ordered streamed map, and a collected map.
await using var pool = WorkerPool.Create(new WorkerPoolOptions { MaxConcurrency = Environment.ProcessorCount });

Task<int> answer = await pool.SubmitAsync(() => 6 * 7, priority: 5);
Console.WriteLine($"submitted one call: {await answer}");

await foreach (string line in pool.MapAsync(Enumerable.Range(1, 5), async (n, ct) =>
{
    await Task.Delay(10 * (6 - n), ct); // later items finish first; results still come in order
    return $"item {n} -> {n * n}";
}))
{
    Console.WriteLine(line);
}

long[] squares = await pool.MapAsync(Enumerable.Range(0, 1_000_000).Select(i => (long)i).ToArray(), x => x * x).ToArrayAsync();
Console.WriteLine($"sum of 1,000,000 squares: {squares.Sum():N0}");
