namespace Spindle.Processes;

/// <summary>Where a worker process is in its life.</summary>
public enum WorkerState
{
    /// <summary>Started; has not said hello or finished its initializer yet.</summary>
    Starting,

    /// <summary>Takes calls.</summary>
    Ready,

    /// <summary>Finishing its calls before it is replaced (recycled after its call or memory limit).</summary>
    Retiring,

    /// <summary>Gone.</summary>
    Exited,
}
