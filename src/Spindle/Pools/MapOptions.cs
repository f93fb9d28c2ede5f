namespace Spindle.Pools;

/// <summary>Options of one map call; validated when the map starts.</summary>
public sealed record MapOptions
{
    /// <summary>Items per call handed to a worker (Python's <c>chunksize</c>); <see langword="null"/>
    /// chooses it from the measured cost per item, so trivial items are not drowned in overhead.</summary>
    /// <value>Default <see langword="null"/> (automatic); otherwise 1 to 1,048,576.</value>
    public int? ChunkSize { get; init; }

    private readonly int _window = 8192;

    /// <summary>The most items taken from the source and not yet handed to the consumer. Bounds
    /// memory for endless sources; a slow consumer slows the source.</summary>
    /// <value>Default 8192 on a <see cref="WorkerPool"/>; 65,536 on a <c>ProcessPool</c>, whose items cross a
    /// pipe in bulk and must keep its workers fed while the coordinating process waits for a core.
    /// 1 to 16,777,216, and at least <see cref="ChunkSize"/> when set.</value>
    public int Window
    {
        get => _window;
        init
        {
            _window = value;
            WindowSet = true;
        }
    }

    /// <summary>Whether <see cref="Window"/> was given rather than left at its default.</summary>
    internal bool WindowSet { get; private init; }

    /// <summary>The window, or <paramref name="automatic"/> when none was given.</summary>
    internal int WindowOr(int automatic) => WindowSet ? _window : automatic;

    /// <summary>The priority of the map's work in the pool (higher runs first).</summary>
    /// <value>Default 0.</value>
    public int Priority { get; init; }

    /// <summary>Whether one failure cancels the rest or every item runs.</summary>
    /// <value>Default <see cref="MapFailureMode.FailFast"/>.</value>
    public MapFailureMode Failures { get; init; } = MapFailureMode.FailFast;

    internal static MapOptions Default { get; } = new();

    internal void Validate()
    {
        if (ChunkSize is < 1 or > 1_048_576)
        {
            throw new ArgumentOutOfRangeException(nameof(ChunkSize), ChunkSize, "MapOptions.ChunkSize must be null (automatic) or between 1 and 1,048,576.");
        }

        if (Window is < 1 or > 16_777_216)
        {
            throw new ArgumentOutOfRangeException(nameof(Window), Window, "MapOptions.Window must be between 1 and 16,777,216.");
        }

        if (ChunkSize is { } chunk && chunk > Window)
        {
            throw new ArgumentOutOfRangeException(nameof(ChunkSize), ChunkSize, $"MapOptions.ChunkSize ({chunk}) must not exceed MapOptions.Window ({Window}).");
        }

        if (!Enum.IsDefined(Failures))
        {
            throw new ArgumentOutOfRangeException(nameof(Failures), Failures, "MapOptions.Failures must be FailFast or Collect.");
        }
    }
}
