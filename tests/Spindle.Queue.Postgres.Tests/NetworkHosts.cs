using System.Diagnostics;
using System.Globalization;

namespace Spindle.Queue.Postgres.Tests;

/// <summary>
/// Hosts of a pretend network on this machine: each a Linux network namespace (its own interfaces, its own
/// 127.0.0.1) joined to this one by a veth pair on a /30 of its own, 10.231.N.1 on this side and 10.231.N.2 inside.
/// A program run in one (<see cref="Prefix"/>) reaches this machine only at <see cref="ServerAddress"/>: exactly
/// what a worker on another machine sees. Made with iproute2's <c>ip</c>, which needs root (CAP_NET_ADMIN).
/// </summary>
internal sealed class NetworkHosts : IDisposable
{
    private readonly string _tag = $"sp{Environment.ProcessId % 100000}x{Random.Shared.Next(1000)}";
    private readonly List<int> _made = [];

    private NetworkHosts()
    {
    }

    internal int Count => _made.Count;

    /// <summary>Makes <paramref name="count"/> hosts, or returns why they cannot be made here.</summary>
    internal static (NetworkHosts? Hosts, string? Why) TryCreate(int count)
    {
        var hosts = new NetworkHosts();
        try
        {
            for (int i = 0; i < count; i++)
            {
                hosts.Make(i);
            }

            return (hosts, null);
        }
        catch (InvalidOperationException e)
        {
            hosts.Dispose();
            return (null, e.Message);
        }
    }

    /// <summary>This machine's address as host <paramref name="host"/> sees it.</summary>
    internal static string ServerAddress(int host) => $"10.231.{host + 1}.1";

    /// <summary>The command prefix that runs a program inside host <paramref name="host"/>.</summary>
    internal string[] Prefix(int host) => ["ip", "netns", "exec", Namespace(host)];

    private string Namespace(int host) => $"{_tag}n{host}";

    private void Make(int host)
    {
        string ns = Namespace(host), outside = $"{_tag}h{host}", inside = $"{_tag}v{host}";
        Ip("netns", "add", ns);
        _made.Add(host);
        Ip("link", "add", outside, "type", "veth", "peer", "name", inside);
        Ip("link", "set", inside, "netns", ns);
        Ip("addr", "add", $"{ServerAddress(host)}/30", "dev", outside);
        Ip("link", "set", outside, "up");
        Ip("netns", "exec", ns, "ip", "addr", "add", $"10.231.{host + 1}.2/30", "dev", inside);
        Ip("netns", "exec", ns, "ip", "link", "set", inside, "up");
        Ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
    }

    public void Dispose()
    {
        foreach (int host in _made)
        {
            // Deleting the namespace deletes the veth end inside it, and with it the pair.
            TryIp("netns", "del", Namespace(host));
            TryIp("link", "del", $"{_tag}h{host}");
        }

        _made.Clear();
    }

    private static void Ip(params string[] arguments)
    {
        (int code, string errors) = Run(arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"'ip {string.Join(' ', arguments)}' failed ({code}): {errors.Trim()}");
        }
    }

    private static void TryIp(params string[] arguments) => Run(arguments);

    private static (int Code, string Errors) Run(string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using Process process = Process.Start(start)!;
            string errors = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, errors);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, $"iproute2's ip cannot be run: {e.Message}");
        }
    }

    /// <summary>Whether a TCP connection from inside <paramref name="host"/> to <paramref name="address"/>:<paramref name="port"/> succeeds.</summary>
    internal bool CanConnect(int host, string address, int port)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "netns", "exec", Namespace(host), "bash", "-c", $"exec 3<>/dev/tcp/{address}/{port.ToString(CultureInfo.InvariantCulture)}" })
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
