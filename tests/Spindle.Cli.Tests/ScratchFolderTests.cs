namespace Spindle.Cli.Tests;

public sealed class ScratchFolderTests : IDisposable
{
    private const string Prefix = "spindle-test-scratch-";

    private readonly string _root = Directory.CreateTempSubdirectory("spindle-scratch-root-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_folder_whose_lock_nobody_holds_is_deleted_by_the_next_one_and_no_other()
    {
        string leftover = Make($"{Prefix}{int.MaxValue}-aaaa1111", ownerLock: true);
        string withoutLock = Make($"{Prefix}1-bbbb2222", ownerLock: false);
        string other = Make($"spindle-other-{int.MaxValue}-cccc3333", ownerLock: true);
        using ScratchFolder living = ScratchFolder.Create(Prefix, _root);

        using ScratchFolder created = ScratchFolder.Create(Prefix, _root);

        Assert.False(Directory.Exists(leftover));
        Assert.All(new[] { withoutLock, other, living.Path, created.Path }, folder => Assert.True(Directory.Exists(folder), folder));
        Assert.StartsWith($"{Prefix}{Environment.ProcessId}-", Path.GetFileName(created.Path), StringComparison.Ordinal);
        Assert.NotEqual(living.Path, created.Path);
    }

    [Fact]
    public void A_folder_is_its_users_alone_and_goes_when_disposed()
    {
        ScratchFolder scratch = ScratchFolder.Create(Prefix, _root);
        string path = scratch.Path;
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(path) & (UnixFileMode)0b111_111_111);
        }

        scratch.Dispose();
        scratch.Dispose();

        Assert.False(Directory.Exists(path));
    }

    private string Make(string name, bool ownerLock)
    {
        string folder = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        if (ownerLock)
        {
            File.WriteAllText(Path.Combine(folder, "owner.lock"), "");
        }

        return folder;
    }
}
