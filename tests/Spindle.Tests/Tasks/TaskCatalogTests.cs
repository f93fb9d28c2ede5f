using System.Buffers;
using System.Text;
using System.Text.Json;
using Spindle.Tasks;
using Spindle.Tasks.Commands;

namespace Spindle.Tests.Tasks;

public sealed class TaskCatalogTests
{
    [Fact]
    public void A_new_catalog_holds_the_command_kind()
    {
        var catalog = new TaskCatalog();

        Assert.Equal([CommandTask.Name], catalog.Kinds);
        Assert.True(catalog.Contains("command"));
        Assert.Same(CommandTask.Kind, catalog.Get<CommandArgs, CommandResult>("command"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("images/resize")]
    [InlineData("größe")]
    [InlineData("tab\t")]
    public void A_kind_string_outside_the_allowed_characters_is_refused_with_the_rule(string kind)
    {
        var catalog = new TaskCatalog();

        var error = Assert.Throws<ArgumentException>(() => catalog.Add(kind, (int x, TaskContext _) => x));

        Assert.Equal("kind", error.ParamName);
        Assert.StartsWith($"Task kind '{kind}' is not valid: use 1 to 200 ASCII letters, digits, '.', '-' and '_'", error.Message, StringComparison.Ordinal);
        Assert.False(catalog.Contains(kind));
    }

    [Fact]
    public void A_kind_string_of_200_characters_is_allowed_and_201_is_not()
    {
        var catalog = new TaskCatalog();

        catalog.Add(new string('k', 200), (int x, TaskContext _) => x);

        Assert.Throws<ArgumentException>(() => catalog.Add(new string('k', 201), (int x, TaskContext _) => x));
        Assert.Throws<ArgumentNullException>(() => catalog.Add(null!, (int x, TaskContext _) => x));
        Assert.True(catalog.Contains(new string('k', 200)));
    }

    [Fact]
    public void A_kind_registered_twice_is_refused_and_the_first_handler_stays()
    {
        var catalog = new TaskCatalog();
        TaskKind<int, int> first = catalog.Add("math.twice", (int x, TaskContext _) => x * 2);

        var error = Assert.Throws<ArgumentException>(() => catalog.Add("math.twice", (int x, TaskContext _) => x * 3));
        var builtIn = Assert.Throws<ArgumentException>(() => catalog.Add(CommandTask.Kind));

        Assert.Equal("Task kind 'math.twice' is already registered in this catalog. (Parameter 'kind')", error.Message);
        Assert.Contains("'command' is already registered", builtIn.Message, StringComparison.Ordinal);
        Assert.Same(first, catalog.Get<int, int>("math.twice"));
    }

    [Fact]
    public void An_unknown_kind_is_refused_with_the_registered_kinds_listed()
    {
        var catalog = new TaskCatalog();
        catalog.Add("zeta.last", (int x, TaskContext _) => x);
        catalog.Add("alpha.first", (int x, TaskContext _) => x);

        var typed = Assert.Throws<TaskArgumentException>(() => catalog.Get<int, int>("images.resize"));
        var untyped = Assert.Throws<TaskArgumentException>(() => catalog.FindHandler("images.resize"));

        const string expected = "Unknown task kind 'images.resize': it is not registered in the catalog. Registered kinds: alpha.first, command, zeta.last.";
        Assert.Equal(expected, typed.Message);
        Assert.Equal(expected, untyped.Message);
        Assert.Equal("images.resize", typed.TaskKind);
    }

    [Fact]
    public void Get_with_other_types_than_registered_names_both()
    {
        var catalog = new TaskCatalog();
        catalog.Add("math.square", (int x, TaskContext _) => (long)x * x);

        var error = Assert.Throws<TaskArgumentException>(() => catalog.Get<string, long>("math.square"));

        Assert.Equal("Task kind 'math.square' takes Int32 and returns Int64, not String and Int64.", error.Message);
        Assert.Equal("math.square", error.TaskKind);
    }

    [Fact]
    public void Removing_the_command_kind_makes_it_unknown()
    {
        var catalog = new TaskCatalog();

        Assert.True(catalog.Remove("command"));
        Assert.False(catalog.Remove("command"));

        Assert.False(catalog.Contains("command"));
        Assert.Empty(catalog.Kinds);
        var error = Assert.Throws<TaskArgumentException>(() => catalog.FindHandler("command"));
        Assert.StartsWith("Unknown task kind 'command'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_frozen_catalog_refuses_changes_and_still_serves_lookups()
    {
        var catalog = new TaskCatalog();
        catalog.Add("math.square", (int x, TaskContext _) => (long)x * x);
        catalog.Freeze();

        var add = Assert.Throws<InvalidOperationException>(() => catalog.Add("math.cube", (int x, TaskContext _) => (long)x * x * x));
        var remove = Assert.Throws<InvalidOperationException>(() => catalog.Remove("command"));

        Assert.StartsWith("The task catalog is in use by a pool or worker and can no longer change", add.Message, StringComparison.Ordinal);
        Assert.Equal(add.Message, remove.Message);
        Assert.False(catalog.Contains("math.cube"));
        Assert.True(catalog.Contains("command"));
        Assert.NotNull(catalog.Get<int, long>("math.square"));
    }

    [Fact]
    public async Task Sync_and_async_handlers_with_reflection_json_run_typed_and_through_json()
    {
        var catalog = new TaskCatalog();
        TaskKind<int, long> square = catalog.Add("math.square", (int x, TaskContext _) => (long)x * x);
        TaskKind<string, string> upper = catalog.Add("text.upper", async (string s, TaskContext _) =>
        {
            await Task.Yield();
            return s.ToUpperInvariant();
        });

        Assert.Equal(49L, await square.InvokeAsync(7, Context("math.square")));
        Assert.Equal("ABC", await upper.InvokeAsync("abc", Context("text.upper")));
        Assert.Equal("1524157875019052100", await InvokeJsonAsync(catalog, "math.square", "1234567890"));
        Assert.Equal("\"SUMMER\"", await InvokeJsonAsync(catalog, "text.upper", "\"summer\""));
    }

    [Fact]
    public async Task Reflection_json_honours_the_given_serializer_options()
    {
        var catalog = new TaskCatalog();
        var camel = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        catalog.Add("images.resize", (ResizeArgs a, TaskContext c) => new ResizeResult(a.Path, a.Width * 2, c.Attempt), camel);

        string result = await InvokeJsonAsync(catalog, "images.resize", """{"path":"a.png","width":10}""", attempt: 3);

        Assert.Equal("""{"path":"a.png","width":20,"attempt":3}""", result);
    }

    [Fact]
    public async Task Sync_and_async_handlers_with_source_generated_json_run_typed_and_through_json()
    {
        var catalog = new TaskCatalog();
        TaskKind<ResizeArgs, ResizeResult> sync = catalog.Add(
            "images.resize",
            (ResizeArgs a, TaskContext c) => new ResizeResult(a.Path, a.Width / 2, c.Attempt),
            TestJson.Default.ResizeArgs,
            TestJson.Default.ResizeResult);
        TaskKind<ResizeArgs, ResizeResult> async = catalog.Add(
            "images.resize-async",
            async (ResizeArgs a, TaskContext c) =>
            {
                await Task.Yield();
                return new ResizeResult(a.Path.ToUpperInvariant(), a.Width, c.Attempt);
            },
            TestJson.Default.ResizeArgs,
            TestJson.Default.ResizeResult);

        Assert.Equal(new ResizeResult("a.png", 50, 2), await sync.InvokeAsync(new ResizeArgs("a.png", 100), Context("images.resize", attempt: 2)));
        Assert.Equal(new ResizeResult("A.PNG", 100, 1), await async.InvokeAsync(new ResizeArgs("a.png", 100), Context("images.resize-async")));
        Assert.Equal("""{"path":"b.png","width":4,"attempt":5}""", await InvokeJsonAsync(catalog, "images.resize", """{"path":"b.png","width":8}""", attempt: 5));
        Assert.Equal("""{"path":"B.PNG","width":8,"attempt":1}""", await InvokeJsonAsync(catalog, "images.resize-async", """{"path":"b.png","width":8}"""));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"path":"a.png","width":"wide"}""")]
    [InlineData("""["a.png", 10]""")]
    [InlineData("""{"path":"a.png","width":10""")]
    public async Task Malformed_json_arguments_are_refused_naming_the_kind_before_the_handler_runs(string json)
    {
        var catalog = new TaskCatalog();
        int calls = 0;
        catalog.Add("images.resize", (ResizeArgs a, TaskContext c) => new ResizeResult(a.Path, ++calls, c.Attempt), TestJson.Default.ResizeArgs, TestJson.Default.ResizeResult);

        var error = await Assert.ThrowsAsync<TaskArgumentException>(() => InvokeJsonAsync(catalog, "images.resize", json));

        Assert.Equal("images.resize", error.TaskKind);
        Assert.StartsWith("Malformed arguments for task 'images.resize': expected JSON for ResizeArgs.", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<JsonException>(error.InnerException);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task A_handlers_own_exception_comes_through_the_json_path_unchanged()
    {
        var catalog = new TaskCatalog();
        catalog.Add("math.fail", int (int _, TaskContext _) => throw new InvalidOperationException("sync boom"));
        catalog.Add("math.fail-async", async ValueTask<int> (int _, TaskContext _) =>
        {
            await Task.Yield();
            throw new InvalidOperationException("async boom");
        });

        var sync = await Assert.ThrowsAsync<InvalidOperationException>(() => InvokeJsonAsync(catalog, "math.fail", "1"));
        var async = await Assert.ThrowsAsync<InvalidOperationException>(() => InvokeJsonAsync(catalog, "math.fail-async", "1"));

        Assert.Equal("sync boom", sync.Message);
        Assert.Equal("async boom", async.Message);
    }

    [Fact]
    public async Task AddModules_registers_each_public_module_with_a_parameterless_constructor()
    {
        var catalog = new TaskCatalog();

        int added = catalog.AddModules(typeof(GreetingTaskModule).Assembly.Location);

        Assert.Equal(1, added);
        Assert.Equal(["command", "test.greet"], catalog.Kinds.Order(StringComparer.Ordinal));
        Assert.Equal("\"hello, Ada\"", await InvokeJsonAsync(catalog, "test.greet", "\"Ada\""));
    }

    [Fact]
    public void AddModules_of_a_missing_file_names_it()
    {
        var catalog = new TaskCatalog();
        string missing = Path.Combine(Path.GetTempPath(), "spindle-no-such-module.dll");

        var error = Assert.Throws<FileNotFoundException>(() => catalog.AddModules(missing));

        Assert.Equal($"Task module '{missing}' does not exist.", error.Message);
        Assert.Equal(missing, error.FileName);
        Assert.Throws<ArgumentException>(() => catalog.AddModules(""));
    }

    [Fact]
    public void AddModules_of_a_library_without_modules_says_so()
    {
        var catalog = new TaskCatalog();
        string library = typeof(TaskCatalog).Assembly.Location;

        var error = Assert.Throws<InvalidOperationException>(() => catalog.AddModules(library));

        Assert.Equal($"Task module '{library}' has no public class implementing ITaskModule with a parameterless constructor.", error.Message);
        Assert.Equal([CommandTask.Name], catalog.Kinds);
    }

    private static TaskContext Context(string kind, int attempt = 1) => new(kind, attempt: attempt);

    private static async Task<string> InvokeJsonAsync(TaskCatalog catalog, string kind, string arguments, int attempt = 1)
    {
        var buffer = new ArrayBufferWriter<byte>();
        await catalog.FindHandler(kind).InvokeAsync(Encoding.UTF8.GetBytes(arguments), Context(kind, attempt), buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
