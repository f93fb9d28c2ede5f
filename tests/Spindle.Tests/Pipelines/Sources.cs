using System.Runtime.CompilerServices;

namespace Spindle.Tests.Pipelines;

/// <summary>Sources for pipeline tests that count what was pulled from them.</summary>
internal sealed class CountingSource(int count)
{
    // Written by the pipeline's source pump, read by the test.
    private int _pulled;

    internal int Pulled => Volatile.Read(ref _pulled);

    internal IEnumerable<int> Items()
    {
        for (int i = 0; i < count; i++)
        {
            Interlocked.Increment(ref _pulled);
            yield return i;
        }
    }

    internal static async IAsyncEnumerable<int> AsyncRange(int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (int i = 0; i < count; i++)
        {
            if (i % 5 == 0)
            {
                await Task.Yield();
            }

            cancellationToken.ThrowIfCancellationRequested();
            yield return i;
        }
    }

    /// <summary>An endless async source that completes <paramref name="stopped"/> once it has been disposed.</summary>
    internal static async IAsyncEnumerable<int> Endless(TaskCompletionSource stopped, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            for (int i = 0; ; i++)
            {
                if (i % 64 == 0)
                {
                    await Task.Yield();
                }

                cancellationToken.ThrowIfCancellationRequested();
                yield return i;
            }
        }
        finally
        {
            stopped.TrySetResult();
        }
    }
}
