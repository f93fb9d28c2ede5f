namespace Spindle.Queue;

/// <summary>
/// How long a failed job waits before its next attempt: <see cref="Initial"/> after the first failure,
/// doubling after each further one up to <see cref="Maximum"/>, spread by ±<see cref="Jitter"/> so that
/// jobs that failed together do not all retry in the same instant.
/// </summary>
public sealed record RetryBackoff
{
    /// <summary>The wait after the first failed attempt.</summary>
    /// <value>Default 1 second; 1 millisecond to 1 day.</value>
    public TimeSpan Initial { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts.</summary>
    /// <value>Default 1 hour; from <see cref="Initial"/> to 30 days.</value>
    public TimeSpan Maximum { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The fraction by which each wait is spread at random, up or down.</summary>
    /// <value>Default 0.2 (±20%); 0 to 1.</value>
    public double Jitter { get; init; } = 0.2;

    /// <summary>The default: 1 s, doubling, at most 1 h, ±20%.</summary>
    public static RetryBackoff Default { get; } = new();

    /// <summary>
    /// The wait after failed attempt <paramref name="attempt"/> (from 1). Pure: the randomness comes in as
    /// <paramref name="sample"/>, a number in [0, 1) (0.5 means no jitter).
    /// </summary>
    internal TimeSpan DelayAfter(int attempt, double sample)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        double exponent = Math.Min(attempt - 1, 62);
        double ms = Math.Min(Initial.TotalMilliseconds * Math.Pow(2, exponent), Maximum.TotalMilliseconds);
        ms *= 1 + (Jitter * ((2 * sample) - 1));
        return TimeSpan.FromMilliseconds(Math.Clamp(Math.Round(ms), 0, Maximum.TotalMilliseconds));
    }

    internal void Validate(string owner)
    {
        if (Initial < TimeSpan.FromMilliseconds(1) || Initial > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(Initial), Initial, $"{owner}.Initial must be between 1 millisecond and 1 day.");
        }

        if (Maximum < Initial || Maximum > TimeSpan.FromDays(30))
        {
            throw new ArgumentOutOfRangeException(nameof(Maximum), Maximum, $"{owner}.Maximum must be between Initial ({Initial}) and 30 days.");
        }

        if (!(Jitter >= 0 && Jitter <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Jitter), Jitter, $"{owner}.Jitter must be between 0 (none) and 1 (±100%).");
        }
    }
}
