namespace Spindle.Processes;

/// <summary>A task kind as a pool numbers it: calls carry the number; each worker learns the name once.</summary>
internal sealed record PoolKind(int Id, string Name);
