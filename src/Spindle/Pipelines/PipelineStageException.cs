using System.Globalization;

namespace Spindle.Pipelines;

/// <summary>
/// The first failure of a pipeline: the stage it happened in, the item it happened on, and the original
/// exception as <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class PipelineStageException : Exception
{
    /// <summary>Creates an exception with a message only (for serializers and tests).</summary>
    public PipelineStageException()
        : this("A pipeline stage failed.")
    {
    }

    /// <summary>Creates an exception with a message only.</summary>
    public PipelineStageException(string message)
        : base(message)
    {
        StageName = "";
    }

    /// <summary>Creates an exception with a message and the original exception.</summary>
    public PipelineStageException(string message, Exception innerException)
        : base(message, innerException)
    {
        StageName = "";
    }

    internal PipelineStageException(string stageName, object? item, bool hasItem, Exception innerException)
        : base(Format(stageName, item, hasItem, innerException), innerException)
    {
        StageName = stageName;
        Item = item;
        HasItem = hasItem;
    }

    /// <summary>The stage that failed: a stage's name, <c>source</c> or <c>sink</c>.</summary>
    public string StageName { get; }

    /// <summary>The item the stage failed on; <see langword="null"/> when <see cref="HasItem"/> is false.</summary>
    public object? Item { get; }

    /// <summary>Whether the failure belongs to one item (a source that throws has none).</summary>
    public bool HasItem { get; }

    internal static string Describe(object? item)
    {
        string text = Convert.ToString(item, CultureInfo.InvariantCulture) ?? "null";
        return text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
    }

    private static string Format(string stageName, object? item, bool hasItem, Exception inner) => hasItem
        ? $"Pipeline stage '{stageName}' failed on item {Describe(item)}: {inner.Message}"
        : $"Pipeline stage '{stageName}' failed: {inner.Message}";
}
