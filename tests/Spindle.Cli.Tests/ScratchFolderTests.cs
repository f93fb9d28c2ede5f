using System.Diagnostics;

namespace Spindle.Cli.Tests;

public sealed class ScratchFolderTests : IDisposable
{
    private const string Prefix = "spindle-test-scratch-";

    private readonly string _root = Directory.CreateTempSubdirectory("spindle-scratch-root-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_folder_left_by_a_process_that_is_gone_is_deleted_by_the_next_run_and_no_other()
    {
        int dead = await ExitedProcessIdAsync();
        using Process alive = Process.Start(new ProcessStartInfo("sleep", "30"))!;
        try
        {
            string leftover = Make($"{Prefix}{dead}-aaaa1111");
            string living = Make($"{Prefix}{alive.Id}-bbbb2222");
            string mine = Make($"{Prefix}{Environment.ProcessId}-cccc3333");
            string unnamed = Make($"{Prefix}Xy12Ab");
            string other = Make($"spindle-other-{dead}-dddd4444");

            string created = ScratchFolder.Create(Prefix, _root);

            Assert.False(Directory.Exists(leftover));
            Assert.All(new[] { living, mine, unnamed, other, created }, folder => Assert.True(Directory.Exists(folder), folder));
            Assert.StartsWith($"{Prefix}{Environment.ProcessId}-", Path.GetFileName(created), StringComparison.Ordinal);
            Assert.NotEqual(mine, created);
        }
        finally
        {
            alive.Kill();
            await alive.WaitForExitAsync();
        }
    }

    [Fact]
    public void Deleting_a_folder_that_is_already_gone_is_quiet()
    {
        string folder = ScratchFolder.Create(Prefix, _root);
        ScratchFolder.Delete(folder);

        ScratchFolder.Delete(folder);

        Assert.False(Directory.Exists(folder));
    }

    private string Make(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    private static async Task<int> ExitedProcessIdAsync()
    {
        using Process process = Process.Start(new ProcessStartInfo("true"))!;
        await process.WaitForExitAsync();
        return process.Id;
    }
}
