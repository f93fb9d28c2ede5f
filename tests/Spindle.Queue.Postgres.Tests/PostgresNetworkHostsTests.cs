using System.Diagnostics;
using Npgsql;
using Spindle.Queue.Tests.Workers;

namespace Spindle.Queue.Postgres.Tests;

/// <summary>
/// Issue 6's several-hosts test: worker processes in two network namespaces (<see cref="NetworkHosts"/>: their own
/// network stacks, joined to this one by veth pairs) share one queue through the database's address on the pretend
/// network, where 127.0.0.1 is not the database. Nothing may assume one machine. Where namespaces cannot be made
/// (not root, no iproute2), the test fails and says why rather than pass without proving anything.
/// </summary>
public sealed class PostgresNetworkHostsTests : SchemaQueueFixture
{
    private const int Jobs = 400;
    [Fact]
    public async Task Workers_on_two_network_hosts_share_oneQueue_through_the_databases_address_issue6()
    {
        (NetworkHosts? made, string? why) = NetworkHosts.TryCreate(2);
        Assert.True(made is not null,
            $"Network namespaces cannot be made here, so workers on other hosts were not tested: {why}. The test needs root (CAP_NET_ADMIN) and iproute2's ip, as scripts/test has in CI.");
        using NetworkHosts hosts = made;
        int port = PostgresConnectionString.Parse(Schema.ConnectionString).Port;

        // Inside a host, the database is not on 127.0.0.1 (that is the host's own loopback) but at this machine's address.
        Assert.False(hosts.CanConnect(0, "127.0.0.1", port), "Inside a network namespace 127.0.0.1 reached the database: the namespace is not isolated.");
        Assert.True(hosts.CanConnect(0, NetworkHosts.ServerAddress(0), port), $"The database was not reachable at {NetworkHosts.ServerAddress(0)}:{port} from inside the first host.");

        IReadOnlyList<JobHandle> handles = await Queue.EnqueueManyAsync(Enumerable.Range(0, Jobs).Select(i => new JobRequest("chaos.job", $"{i}")));
        using var workers0 = new QueueTestWorkers("Spindle.QueuePostgresTestWorker", OnHost(0), Path.Combine(Folder, "ledger"));
        using var workers1 = new QueueTestWorkers("Spindle.QueuePostgresTestWorker", OnHost(1), Path.Combine(Folder, "ledger"));
        Process first = await workers0.StartAsync("host-0", TimeSpan.FromSeconds(10), concurrency: 4, hosts.Prefix(0));
        Process second = await workers1.StartAsync("host-1", TimeSpan.FromSeconds(10), concurrency: 4, hosts.Prefix(1));

        var limit = Stopwatch.StartNew();
        while ((await Queue.StatsAsync()).SingleOrDefault()?.Succeeded < Jobs)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(120), "Not every job succeeded.");
            await Task.Delay(20);
        }

        await QueueTestWorkers.StopAsync(first);
        await QueueTestWorkers.StopAsync(second);
        var ledger = workers0.ReadLedger("host-0", tornLastLine: false).Concat(workers1.ReadLedger("host-1", tornLastLine: false)).ToList();
        Assert.Equal(Jobs, ledger.Count);
        Assert.Equal(Jobs, ledger.Select(e => e.Id).Distinct().Count());
        Assert.Contains(ledger, e => e.Worker == "host-0");
        Assert.Contains(ledger, e => e.Worker == "host-1");
        foreach (JobHandle handle in handles)
        {
            JobInfo job = (await handle.GetAsync())!;
            Assert.Equal(JobState.Succeeded, job.State);
            Assert.StartsWith("host-", job.AttemptedBy, StringComparison.Ordinal);
        }
    }

    /// <summary>The schema's connection string as a worker on <paramref name="host"/> must use it: the database's address on that host's network.</summary>
    private string OnHost(int host)
    {
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse(Schema.ConnectionString);
        var url = new UriBuilder(Schema.ConnectionString) { Host = NetworkHosts.ServerAddress(host) };
        Assert.Equal(builder.Host, new Uri(Schema.ConnectionString).Host);
        return url.Uri.ToString();
    }
}
