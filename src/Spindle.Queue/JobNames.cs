namespace Spindle.Queue;

/// <summary>The rules for queue names and the limits shared by options and the store.</summary>
internal static class JobNames
{
    internal const int MaxQueueLength = 100;
    internal const int MaxUniqueKeyLength = 500;
    internal const int MaxAttempts = 1_000;
    internal static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(7);

    internal static string ValidQueue(string? queue, string optionName, string paramName)
    {
        if (queue is null || queue.Length is 0 or > MaxQueueLength || !queue.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            throw new ArgumentException($"{optionName} '{queue}' is not a valid queue name: use 1 to {MaxQueueLength} ASCII letters, digits, '.', '-' and '_', such as \"emails\".", paramName);
        }

        return queue;
    }
}
