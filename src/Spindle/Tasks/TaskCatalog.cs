using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Spindle.Tasks.Commands;

namespace Spindle.Tasks;

/// <summary>
/// The named tasks an application offers: kind strings bound to handlers. Build it once at startup, in the
/// application and in its worker processes alike; the kind string, not a CLR type, is a task's identity, so
/// queued work survives refactoring. Nothing executable is ever read from the wire: an unknown kind is refused.
/// </summary>
/// <example>
/// <code>
/// var catalog = new TaskCatalog();
/// TaskKind&lt;int, long&gt; square = catalog.Add("math.square", (int x, TaskContext _) =&gt; (long)x * x);
/// </code>
/// </example>
public sealed class TaskCatalog
{
    private const int MaxKindLength = 200;

    // Written only before the catalog is frozen (by the thread building it); read by any thread afterwards.
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private volatile bool _frozen;

    /// <summary>Creates a catalog holding the built-in <c>command</c> kind (see <see cref="CommandTask"/>).</summary>
    public TaskCatalog()
    {
        // Looked up lazily: building the command kind's JSON metadata costs every worker process about 20 ms at start
        // (measured in docs/benchmarks.md), and most never run a command.
        _entries.Add(CommandTask.Name, new Entry(static () => (CommandTask.Kind, CommandTask.Kind.Handler), typeof(CommandArgs), typeof(CommandResult)));
    }

    /// <summary>The registered kind strings.</summary>
    public IReadOnlyCollection<string> Kinds => _entries.Keys;

    /// <summary>Whether <paramref name="kind"/> is registered.</summary>
    public bool Contains(string kind) => _entries.ContainsKey(kind);

    /// <summary>Registers an asynchronous handler with source-generated JSON metadata (trimming and AOT safe).</summary>
    /// <exception cref="ArgumentException">The kind string is not valid or already registered.</exception>
    public TaskKind<TArgs, TResult> Add<TArgs, TResult>(string kind, Func<TArgs, TaskContext, ValueTask<TResult>> handler, JsonTypeInfo<TArgs> arguments, JsonTypeInfo<TResult> result)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new TaskKind<TArgs, TResult>(ValidKind(kind), handler, null, Checked(arguments), Checked(result)));
    }

    /// <summary>Registers a synchronous handler with source-generated JSON metadata (trimming and AOT safe).</summary>
    /// <exception cref="ArgumentException">The kind string is not valid or already registered.</exception>
    public TaskKind<TArgs, TResult> Add<TArgs, TResult>(string kind, Func<TArgs, TaskContext, TResult> handler, JsonTypeInfo<TArgs> arguments, JsonTypeInfo<TResult> result)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new TaskKind<TArgs, TResult>(ValidKind(kind), null, handler, Checked(arguments), Checked(result)));
    }

    /// <summary>Registers an asynchronous handler, serializing with reflection-based JSON.</summary>
    /// <param name="kind">A stable name: letters, digits, <c>.</c>, <c>-</c> and <c>_</c>, up to 200 characters.</param>
    /// <param name="handler">The handler.</param>
    /// <param name="json">Serializer options; <see langword="null"/> uses <see cref="JsonSerializerOptions.Default"/>.</param>
    /// <exception cref="ArgumentException">The kind string is not valid or already registered.</exception>
    [RequiresUnreferencedCode("Reflection-based JSON; pass JsonTypeInfo from a JsonSerializerContext to stay trimming safe.")]
    [RequiresDynamicCode("Reflection-based JSON; pass JsonTypeInfo from a JsonSerializerContext to stay AOT safe.")]
    public TaskKind<TArgs, TResult> Add<TArgs, TResult>(string kind, Func<TArgs, TaskContext, ValueTask<TResult>> handler, JsonSerializerOptions? json = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new TaskKind<TArgs, TResult>(ValidKind(kind), handler, null, InfoOf<TArgs>(json), InfoOf<TResult>(json)));
    }

    /// <inheritdoc cref="Add{TArgs, TResult}(string, Func{TArgs, TaskContext, ValueTask{TResult}}, JsonSerializerOptions?)"/>
    [RequiresUnreferencedCode("Reflection-based JSON; pass JsonTypeInfo from a JsonSerializerContext to stay trimming safe.")]
    [RequiresDynamicCode("Reflection-based JSON; pass JsonTypeInfo from a JsonSerializerContext to stay AOT safe.")]
    public TaskKind<TArgs, TResult> Add<TArgs, TResult>(string kind, Func<TArgs, TaskContext, TResult> handler, JsonSerializerOptions? json = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new TaskKind<TArgs, TResult>(ValidKind(kind), null, handler, InfoOf<TArgs>(json), InfoOf<TResult>(json)));
    }

    /// <summary>Registers a task kind built elsewhere, such as <see cref="CommandTask.Kind"/> or another catalog's.</summary>
    /// <exception cref="ArgumentException">A kind with the same name is already registered.</exception>
    public TaskKind<TArgs, TResult> Add<TArgs, TResult>(TaskKind<TArgs, TResult> kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ThrowIfFrozen();
        if (!_entries.TryAdd(kind.Name, new Entry(() => (kind, kind.Handler), typeof(TArgs), typeof(TResult))))
        {
            throw new ArgumentException($"Task kind '{kind.Name}' is already registered in this catalog.", nameof(kind));
        }

        return kind;
    }

    /// <summary>Removes a kind, such as the built-in <c>command</c> where running programs is not wanted.</summary>
    /// <returns>Whether the kind was registered.</returns>
    public bool Remove(string kind)
    {
        ThrowIfFrozen();
        return _entries.Remove(kind);
    }

    /// <summary>The typed handle of a registered kind.</summary>
    /// <exception cref="TaskArgumentException">The kind is unknown, or registered with other types.</exception>
    public TaskKind<TArgs, TResult> Get<TArgs, TResult>(string kind)
    {
        Entry entry = Find(kind);
        return entry.Kind as TaskKind<TArgs, TResult> ?? throw new TaskArgumentException(
            kind,
            $"Task kind '{kind}' takes {entry.ArgumentType.Name} and returns {entry.ResultType.Name}, not {typeof(TArgs).Name} and {typeof(TResult).Name}.");
    }

    /// <summary>
    /// Loads a class library and registers the tasks of every public <see cref="ITaskModule"/> in it
    /// (the generic worker host's <c>--tasks</c>).
    /// </summary>
    /// <returns>How many modules registered.</returns>
    /// <exception cref="FileNotFoundException">No file at <paramref name="assemblyPath"/>.</exception>
    /// <exception cref="InvalidOperationException">The library holds no task module.</exception>
    /// <exception cref="PlatformNotSupportedException">This program is compiled with native AOT, which cannot load an assembly at run time.</exception>
    [RequiresUnreferencedCode("Loads an assembly and creates its task modules by reflection.")]
    public int AddModules(string assemblyPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(assemblyPath);
        string full = Path.GetFullPath(assemblyPath);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"Task module '{assemblyPath}' does not exist.", full);
        }

        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            throw new PlatformNotSupportedException(
                $"Task module '{assemblyPath}' cannot be loaded: this program is compiled with native AOT, which loads no assembly at run time. "
                + $"Register the module in the program instead (new MyModule().Register(catalog)), or run a build with the JIT.");
        }

        Assembly assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(full);
        var modules = assembly.GetExportedTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(ITaskModule).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .ToList();
        if (modules.Count == 0)
        {
            throw new InvalidOperationException($"Task module '{assemblyPath}' has no public class implementing {nameof(ITaskModule)} with a parameterless constructor.");
        }

        foreach (Type type in modules)
        {
            ((ITaskModule)Activator.CreateInstance(type)!).Register(this);
        }

        return modules.Count;
    }

    /// <summary>Stops changes: pools and workers freeze the catalog they serve, so it can be read without locks.</summary>
    internal void Freeze() => _frozen = true;

    internal TaskHandler FindHandler(string kind) => Find(kind).Handler;

    private Entry Find(string kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return _entries.TryGetValue(kind, out Entry? entry)
            ? entry
            : throw new TaskArgumentException(kind, $"Unknown task kind '{kind}': it is not registered in the catalog. Registered kinds: {string.Join(", ", _entries.Keys.Order(StringComparer.Ordinal))}.");
    }

    private void ThrowIfFrozen()
    {
        if (_frozen)
        {
            throw new InvalidOperationException("The task catalog is in use by a pool or worker and can no longer change; register every kind before starting one.");
        }
    }

    internal static string ValidKind(string kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (kind.Length is 0 or > MaxKindLength || !kind.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            throw new ArgumentException($"Task kind '{kind}' is not valid: use 1 to {MaxKindLength} ASCII letters, digits, '.', '-' and '_', such as \"images.resize\".", nameof(kind));
        }

        return kind;
    }

    private static JsonTypeInfo<T> Checked<T>(JsonTypeInfo<T> info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info;
    }

    [RequiresUnreferencedCode("Reflection-based JSON.")]
    [RequiresDynamicCode("Reflection-based JSON.")]
    private static JsonTypeInfo<T> InfoOf<T>(JsonSerializerOptions? json)
    {
        json ??= JsonSerializerOptions.Default;
        if (json.TypeInfoResolver is null)
        {
            json = new JsonSerializerOptions(json) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        }

        json.MakeReadOnly();
        return (JsonTypeInfo<T>)json.GetTypeInfo(typeof(T));
    }

    /// <summary>A registered kind; its handle and handler are made when first asked for.</summary>
    private sealed class Entry(Func<(object Kind, TaskHandler Handler)> create, Type argumentType, Type resultType)
    {
        // Made by the first thread to ask (the others wait for it), then only read.
        private readonly Lazy<(object Kind, TaskHandler Handler)> _made = new(create);

        internal object Kind => _made.Value.Kind;

        internal TaskHandler Handler => _made.Value.Handler;

        internal Type ArgumentType => argumentType;

        internal Type ResultType => resultType;
    }
}
