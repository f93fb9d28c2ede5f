namespace Spindle.Queue;

/// <summary>One job of a bulk enqueue by kind string (<see cref="JobQueue.EnqueueManyAsync(IEnumerable{JobRequest}, CancellationToken)"/>).</summary>
/// <param name="Kind">The task's kind string, such as <c>"images.resize"</c>.</param>
/// <param name="Arguments">The arguments as JSON, such as <c>{"path":"a.png"}</c>.</param>
/// <param name="Options">How to enqueue it; <see langword="null"/> takes every default.</param>
public sealed record JobRequest(string Kind, string Arguments, EnqueueOptions? Options = null);
