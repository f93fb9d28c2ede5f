using System.Diagnostics;
using Npgsql;
using Spindle.Queue.Tests.Workers;

namespace Spindle.Queue.Postgres.Tests;

/// <summary>
/// Issue 6 review: the maintenance leader's machine vanishes (its network goes down, then the process dies, so no FIN
/// or RST reaches the server). The server's keepalives must end the dead session and free the leader's lock, so that
/// another worker leads and rescues the dead leader's jobs, in about half a minute rather than the kernel's two hours.
/// </summary>
[Collection(ServerRestartCollection.Name)]
public sealed class PostgresLeaderVanishesTests : SchemaQueueFixture
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    [Fact]
    public async Task Issue6_When_the_leaders_machine_vanishes_another_worker_leads_and_rescues_its_jobs()
    {
        (NetworkHosts? made, string? why) = NetworkHosts.TryCreate(1);
        Assert.True(made is not null, $"Network namespaces cannot be made here, so a vanishing machine was not tested: {why}.");
        using NetworkHosts hosts = made;
        await Queue.EnqueueManyAsync(Enumerable.Range(0, 3000).Select(i => new JobRequest("chaos.job", $"{i}")));
        var url = new UriBuilder(Schema.ConnectionString) { Host = NetworkHosts.ServerAddress(0) }.Uri.ToString();
        using var onHost = new QueueTestWorkers("Spindle.QueuePostgresTestWorker", url, Path.Combine(Folder, "ledger"));
        using var local = new QueueTestWorkers("Spindle.QueuePostgresTestWorker", Schema.ConnectionString, Path.Combine(Folder, "ledger"));
        Process victim = await onHost.StartAsync("victim", Lease, concurrency: 4, hosts.Prefix(0));
        var limit = Stopwatch.StartNew();
        int? leader;
        while ((leader = await PostgresServer.MaintenanceLeaderPidAsync(Schema.Name)) is null)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(60), "victim never led");
            await Task.Delay(20);
        }

        Process survivor = await local.StartAsync("survivor", Lease, concurrency: 4);
        List<JobInfo> held = [];
        while ((held = await RunningOfAsync("victim")).Count == 0)
        {
            await Task.Delay(5);
        }

        // The victim's machine vanishes: its network goes first, then the process (no FIN/RST reaches the server).
        var cut = Process.Start("ip", [.. hosts.Prefix(0)[1..], "sh", "-c", "for i in /sys/class/net/*; do n=$(basename $i); [ $n = lo ] || ip link set $n down; done"])!;
        await cut.WaitForExitAsync();
        victim.Kill();
        await victim.WaitForExitAsync();
        held = await RunningOfAsync("victim");
        Assert.NotEmpty(held);

        // Keepalives: about 10 s idle, then 3 probes 5 s apart; then a rescue pass of the new leader (half a lease).
        var rescue = Stopwatch.StartNew();
        List<JobInfo> still = held;
        while (still.Count > 0 && rescue.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(250);
            still = await RunningOfAsync("victim");
        }

        int? leaderNow = await PostgresServer.MaintenanceLeaderPidAsync(Schema.Name);
        await QueueTestWorkers.StopAsync(survivor);
        Assert.True(still.Count == 0,
            $"{rescue.Elapsed.TotalSeconds:F0} s after the leader's machine vanished, {still.Count} of its {held.Count} jobs were still running, unrescued; "
            + $"the maintenance lock was still held by the dead leader's backend: {leaderNow == leader} (pid {leaderNow}).");
    }

    private async Task<List<JobInfo>> RunningOfAsync(string worker) =>
        [.. (await Queue.ListAsync(new JobListQuery { State = JobState.Running, Limit = 100 })).Jobs.Where(j => j.AttemptedBy == worker)];
}
