namespace Spindle.Queue.Tests;

/// <summary>The client side of recurring jobs: validation with clear messages, defaults, and the next moment in the schedule's zone.</summary>
public sealed class ScheduleApiTests : QueueFixture
{
    [Fact]
    public async Task A_schedule_gets_the_queue_defaults_and_its_next_moment_in_its_zone()
    {
        TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        JobScheduleInfo stored = await Queue.SetScheduleAsync(new JobSchedule("reports.nightly", "30 2 * * *", "reports.build", "{}") { TimeZone = zone });

        // 2026-03-01 12:00 UTC is 13:00 in Berlin; the next 02:30 there is 01:30 UTC on 2 March.
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 1, 30, 0, TimeSpan.Zero), stored.NextRunAt);
        Assert.Equal(("default", 5, "Europe/Berlin"), (stored.Queue, stored.MaxAttempts, stored.TimeZone));
    }

    [Theory]
    [InlineData("bad name!", "* * * * *", "k.x", "{}", "is not a valid schedule name")]
    [InlineData("ok", "61 * * * *", "k.x", "{}", "Schedule 'ok' has an invalid cron expression '61 * * * *'")]
    [InlineData("ok", " ", "k.x", "{}", "Schedule 'ok' needs a cron expression")]
    [InlineData("ok", "* * * * *", "bad kind", "{}", "Schedule 'ok':")]
    [InlineData("ok", "* * * * *", "k.x", "{not json", "Schedule 'ok': The arguments of a 'k.x' job are not valid JSON")]
    public async Task An_invalid_schedule_is_refused_with_a_message_naming_the_problem(string name, string cron, string kind, string arguments, string message)
    {
        ArgumentException e = await Assert.ThrowsAnyAsync<ArgumentException>(() => Queue.SetScheduleAsync(new JobSchedule(name, cron, kind, arguments)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Empty(await Queue.ListSchedulesAsync());
    }

    [Fact]
    public async Task A_bad_option_names_the_schedule_and_the_option()
    {
        ArgumentException e = await Assert.ThrowsAnyAsync<ArgumentException>(() => Queue.SetScheduleAsync(new JobSchedule("ok", "@hourly", "k.x", "{}") { MaxAttempts = 0 }));
        Assert.Contains("Schedule 'ok': JobSchedule.MaxAttempts must be between 1 and 1,000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_time_zone_that_cannot_be_found_again_by_its_id_is_refused()
    {
        TimeZoneInfo custom = TimeZoneInfo.CreateCustomTimeZone("Review/Custom", TimeSpan.FromHours(3), "custom", "custom");
        ArgumentException e = await Assert.ThrowsAnyAsync<ArgumentException>(() => Queue.SetScheduleAsync(new JobSchedule("ok", "@daily", "k.x", "{}") { TimeZone = custom }));
        Assert.Contains("Schedule 'ok' is in time zone 'Review/Custom', which cannot be found again by its id", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schedule_errors_come_back_through_the_task()
    {
        Task<JobScheduleInfo> set = Queue.SetScheduleAsync(new JobSchedule("bad name!", "@daily", "k.x", "{}"));
        Task<bool> remove = Queue.RemoveScheduleAsync("bad name!");
        await Assert.ThrowsAnyAsync<ArgumentException>(() => set);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => remove);
    }
}
