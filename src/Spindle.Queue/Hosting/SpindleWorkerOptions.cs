using Microsoft.Extensions.Options;

namespace Spindle.Queue;

/// <summary>
/// Options of the hosted worker that <see cref="SpindleWorkerServiceCollectionExtensions.AddSpindleWorker"/> registers,
/// set by its configure delegate and validated when the host starts. Unlike Spindle's other options records its
/// properties are settable: the options pattern creates the instance and lets each configure delegate change it.
/// </summary>
public sealed record SpindleWorkerOptions
{
    /// <summary>The store the worker opens for itself and closes when the host is disposed, as for <see cref="JobQueue.OpenAsync"/>.</summary>
    /// <value>Default <see langword="null"/>: the <see cref="JobQueue"/> registered in the service provider, which the worker uses and does not dispose.</value>
    public string? Store { get; set; }

    /// <summary>The worker's options: queues and their concurrency, lease, <see cref="QueueWorkerOptions.ShutdownGrace"/> and the rest.</summary>
    /// <value>Default <c>new QueueWorkerOptions()</c> (queue <c>default</c>, 10 at once); its <see cref="QueueWorkerOptions.Logger"/>, when unset, is the host's logger for <c>Spindle.Queue.QueueWorker</c>.</value>
    public QueueWorkerOptions Worker { get; set; } = new();

    /// <summary>Checks the options and the catalog before anything opens; every problem is named in one exception.</summary>
    internal void Validate(bool hasRegisteredQueue, bool hasTasks)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(Store) && !hasRegisteredQueue)
        {
            failures.Add("SpindleWorkerOptions.Store is not set and no JobQueue is registered: set Store to a connection string such as 'sqlite:.spindle/queue.db', or register an open JobQueue.");
        }

        if (Worker is null)
        {
            failures.Add("SpindleWorkerOptions.Worker must not be null.");
        }
        else if (Worker.Queues is null || Worker.Queues.Count == 0)
        {
            failures.Add("SpindleWorkerOptions.Worker.Queues names no queue: name 1 to 100 queues, each with its concurrency, e.g. { [\"default\"] = 10 }.");
        }
        else
        {
            try
            {
                Worker.Validate();
            }
            catch (ArgumentException e)
            {
                failures.Add($"SpindleWorkerOptions.Worker: {e.Message}");
            }
        }

        if (!hasTasks)
        {
            failures.Add("AddSpindleWorker has no tasks: pass a delegate that adds its kinds to the TaskCatalog, or register an ITaskModule.");
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(SpindleWorkerOptions), failures);
        }
    }
}
