using System.Reflection.PortableExecutable;
using System.Runtime.CompilerServices;

namespace Spindle.Cli.Bench;

/// <summary>
/// How the running tool was built, which every benchmark record states (its <c>build</c> field): a start and the first
/// second of a short run depend on it. <c>jit</c>: compiled at run time; <c>readytorun</c>: the tool's assemblies
/// compiled ahead of time (what <c>scripts/spindle</c> publishes); <c>composite</c>: self-contained, the framework and
/// the tool compiled ahead of time together (<c>SPINDLE_BUILD=composite scripts/spindle</c>); <c>aot</c>: one native
/// program, no JIT at all (<c>SPINDLE_BUILD=aot scripts/spindle</c>). A <c>+untiered</c>
/// suffix says tiered compilation is off (as in the composite build since 2026-11-26): no hot method is compiled again
/// during the run.
/// </summary>
internal static class ToolBuild
{
    internal static string Kind { get; } = Describe() + (Untiered() ? "+untiered" : "");

    /// <summary>Tiered compilation off: by the runtime config (the composite build) or by the environment, which wins.</summary>
    private static bool Untiered() =>
        Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is { } variable
            ? variable == "0"
            : AppContext.TryGetSwitch("System.Runtime.TieredCompilation", out bool tiered) && !tiered;

    private static string Describe()
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            return "aot";
        }

        string directory = AppContext.BaseDirectory;
        if (File.Exists(Path.Combine(directory, "System.Private.CoreLib.dll")) && Directory.EnumerateFiles(directory, "*.r2r.dll").Any())
        {
            return "composite";
        }

        try
        {
            using var reader = new PEReader(File.OpenRead(Path.Combine(directory, typeof(ToolBuild).Assembly.GetName().Name + ".dll")));
            return reader.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0 ? "readytorun" : "jit";
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException or ArgumentException)
        {
            return "unknown";
        }
    }
}
