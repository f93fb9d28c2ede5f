namespace Spindle.Cli.Tour;

/// <summary>
/// The queue chapter's <c>spindle worker</c> processes, known by label and by the worker id they record on jobs.
/// Disposing kills whichever still run, so none outlives the chapter, however it ends.
/// </summary>
internal sealed class TourWorkers : IAsyncDisposable
{
    // Written by Start and read by the rest, all on the chapter's one flow of control.
    private readonly List<TourWorkerProcess> _workers = [];

    internal IReadOnlyList<TourWorkerProcess> All => _workers;

    internal void Start(string label, IEnumerable<string> workerArguments) => _workers.Add(TourWorkerProcess.Start(label, workerArguments));

    /// <summary>Waits until every worker serves; fails with the first one that exited, or after <paramref name="patience"/>.</summary>
    internal async Task WaitReadyAsync(TimeSpan patience, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_workers.Select(w => w.Ready)).WaitAsync(patience, cancellationToken);
        }
        catch (TimeoutException)
        {
            string late = string.Join("; ", _workers.Where(w => !w.Ready.IsCompleted).Select(w => $"worker {w.Label}: {w.LastErrors()}"));
            throw new TimeoutException($"The workers did not start serving within {patience.TotalSeconds:F0} s ({late}).");
        }
    }

    /// <summary>The worker that records itself as <paramref name="workerId"/> on the jobs it claims, if it is one of these.</summary>
    internal TourWorkerProcess? ById(string? workerId) => _workers.FirstOrDefault(w => w.Ready.IsCompletedSuccessfully && w.WorkerId == workerId);

    /// <summary>"worker A (process 1234)" for a job's <c>AttemptedBy</c>, or the id itself when it is none of these.</summary>
    internal string Describe(string? workerId) => ById(workerId) is { } w ? $"worker {w.Label} (process {w.ProcessId})" : $"worker '{workerId ?? "?"}'";

    public async ValueTask DisposeAsync()
    {
        foreach (TourWorkerProcess worker in _workers)
        {
            await worker.DisposeAsync();
        }
    }
}
