using Spindle.Pools;

namespace Spindle.Tests.Pools;

/// <summary>Start/stop under load: every call ends one way or another, and shutdown always completes.</summary>
public sealed class WorkerPoolStressTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Submits_cancellations_and_shutdowns_racing_leave_no_call_unfinished(bool cancelPendingOnDispose)
    {
        var random = new Random(2);
        for (int round = 0; round < 60; round++)
        {
            var pool = WorkerPool.Create(new() { MaxConcurrency = 2, QueueCapacity = 1 + random.Next(8), CancelPendingOnDispose = cancelPendingOnDispose });
            var calls = new List<Task>();
            var submits = new List<Task>();
            var sources = new List<CancellationTokenSource>();

            // Two submitters race each other, a canceller and the shutdown.
            for (int s = 0; s < 2; s++)
            {
                int seed = random.Next();
                submits.Add(Task.Run(async () =>
                {
                    var local = new Random(seed);
                    for (int i = 0; i < 40; i++)
                    {
                        var cts = new CancellationTokenSource();
                        lock (sources)
                        {
                            sources.Add(cts);
                        }

                        try
                        {
                            Task call = local.Next(3) switch
                            {
                                0 => await pool.SubmitAsync(() => i, local.Next(3)),
                                1 => await pool.SubmitAsync(() => i, local.Next(3), cts.Token),
                                _ => await pool.SubmitAsync(async ct => { await Task.Yield(); return i; }, local.Next(3), cts.Token),
                            };
                            lock (calls)
                            {
                                calls.Add(call);
                            }
                        }
                        catch (ObjectDisposedException)
                        {
                            return; // the pool shut down under this submitter
                        }
                        catch (OperationCanceledException)
                        {
                            // cancelled while waiting for room
                        }
                    }
                }));
            }

            Task canceller = Task.Run(async () =>
            {
                for (int i = 0; i < 20; i++)
                {
                    CancellationTokenSource? victim = null;
                    lock (sources)
                    {
                        if (sources.Count > 0)
                        {
                            victim = sources[random.Next(sources.Count)];
                        }
                    }

                    if (victim is not null)
                    {
                        await victim.CancelAsync();
                    }

                    await Task.Yield();
                }
            });

            await Task.Yield();
            await pool.DisposeAsync().AsTask().WaitAsync(Gate.Patience);
            await Task.WhenAll(submits).WaitAsync(Gate.Patience);
            await canceller.WaitAsync(Gate.Patience);

            // Every call that was handed out has ended: ran, failed or was cancelled; none is stranded.
            Task[] handedOut;
            lock (calls)
            {
                handedOut = [.. calls];
            }

            await Task.WhenAll(handedOut.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(Gate.Patience);
            Assert.All(handedOut, c => Assert.True(c.IsCompleted));
            if (!cancelPendingOnDispose)
            {
                Assert.All(handedOut, c => Assert.True(c.IsCompletedSuccessfully || c.IsCanceled, $"status {c.Status}"));
            }

            foreach (CancellationTokenSource cts in sources)
            {
                cts.Dispose();
            }
        }
    }
}
