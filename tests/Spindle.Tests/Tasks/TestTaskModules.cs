using System.Text.Json.Serialization;
using Spindle.Tasks;

namespace Spindle.Tests.Tasks;

// TaskCatalog.AddModules loads this test assembly itself: it must find GreetingTaskModule and only it.

/// <summary>The one loadable task module of this assembly.</summary>
public sealed class GreetingTaskModule : ITaskModule
{
    public void Register(TaskCatalog catalog) =>
        catalog.Add("test.greet", (string name, TaskContext _) => $"hello, {name}", TestJson.Default.String, TestJson.Default.String);
}

/// <summary>Not loadable: abstract.</summary>
public abstract class AbstractTaskModule : ITaskModule
{
    public abstract void Register(TaskCatalog catalog);
}

/// <summary>Not loadable: no parameterless constructor.</summary>
public sealed class ConfiguredTaskModule(string prefix) : ITaskModule
{
    public void Register(TaskCatalog catalog) =>
        catalog.Add("test.configured", (string name, TaskContext _) => prefix + name, TestJson.Default.String, TestJson.Default.String);
}

/// <summary>Not loadable: not public.</summary>
internal sealed class HiddenTaskModule : ITaskModule
{
    public void Register(TaskCatalog catalog) =>
        catalog.Add("test.hidden", (string name, TaskContext _) => name, TestJson.Default.String, TestJson.Default.String);
}

public sealed record ResizeArgs(string Path, int Width);

public sealed record ResizeResult(string Path, int Width, int Attempt);

[JsonSerializable(typeof(ResizeArgs))]
[JsonSerializable(typeof(ResizeResult))]
[JsonSerializable(typeof(string))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class TestJson : JsonSerializerContext;
