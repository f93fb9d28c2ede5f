namespace Spindle.Tasks;

/// <summary>A progress report of a running task.</summary>
/// <param name="Fraction">How much is done, from 0 to 1.</param>
/// <param name="Message">What the task is doing, or <see langword="null"/>.</param>
public readonly record struct TaskProgress(double Fraction, string? Message = null);
