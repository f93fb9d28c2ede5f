namespace Spindle.Queue.Tests;

public sealed class RetryBackoffTests
{
    [Fact]
    public void Without_jitter_the_wait_doubles_from_initial_up_to_the_maximum()
    {
        var backoff = new RetryBackoff { Initial = TimeSpan.FromSeconds(1), Maximum = TimeSpan.FromSeconds(30), Jitter = 0 };

        TimeSpan[] waits = Enumerable.Range(1, 7).Select(a => backoff.DelayAfter(a, 0.9)).ToArray();

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], waits.Select(w => w.TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(30), backoff.DelayAfter(1000, 0.5));
    }

    [Fact]
    public void Jitter_spreads_the_wait_up_and_down_by_its_fraction_and_never_past_the_maximum()
    {
        RetryBackoff backoff = RetryBackoff.Default;   // 1 s, ±20%, at most 1 h

        Assert.Equal(TimeSpan.FromMilliseconds(800), backoff.DelayAfter(1, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), backoff.DelayAfter(1, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(1199), backoff.DelayAfter(1, 0.997));
        Assert.Equal(TimeSpan.FromHours(1), backoff.DelayAfter(40, 0.9999));
        Assert.Equal(TimeSpan.FromHours(0.8), backoff.DelayAfter(40, 0));
    }

    [Fact]
    public void Attempts_start_at_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryBackoff.Default.DelayAfter(0, 0.5));
    }
}
