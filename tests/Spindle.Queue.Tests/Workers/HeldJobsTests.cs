namespace Spindle.Queue.Tests.Workers;

public sealed class HeldJobsTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Holding_a_job_again_hands_back_the_earlier_attempt_and_releasing_that_one_keeps_the_new()
    {
        var held = new HeldJobs();
        HeldJob first = Held(7, attempt: 1);
        HeldJob again = Held(7, attempt: 1, claimedAt: Now.AddSeconds(5));

        Assert.Null(held.Add(first));
        Assert.Same(first, held.Add(again));
        Assert.False(held.Contains(first));

        held.Release(first);

        Assert.True(held.Contains(again));
        Assert.Equal([again], held.Snapshot());
    }

    private static HeldJob Held(long id, int attempt, DateTimeOffset? claimedAt = null) => new(
        new JobInfo
        {
            Id = id,
            Kind = "test.job",
            Queue = "default",
            State = JobState.Running,
            Priority = 0,
            Arguments = "{}",
            Attempt = attempt,
            MaxAttempts = 3,
            Backoff = new RetryBackoff(),
            CreatedAt = Now,
            RunAt = Now,
            AttemptedAt = claimedAt ?? Now,
        },
        Now.AddMinutes(1));
}
