namespace Spindle.Queue.Storage;

/// <summary>The states as the database spells them (lower case), and back.</summary>
internal static class JobStateNames
{
    internal static string ToName(JobState state) => state switch
    {
        JobState.Scheduled => "scheduled",
        JobState.Available => "available",
        JobState.Running => "running",
        JobState.Retrying => "retrying",
        JobState.Succeeded => "succeeded",
        JobState.Dead => "dead",
        JobState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Not a job state."),
    };

    internal static JobState Parse(string name) => name switch
    {
        "scheduled" => JobState.Scheduled,
        "available" => JobState.Available,
        "running" => JobState.Running,
        "retrying" => JobState.Retrying,
        "succeeded" => JobState.Succeeded,
        "dead" => JobState.Dead,
        "cancelled" => JobState.Cancelled,
        _ => throw new InvalidDataException($"The store holds a job in an unknown state '{name}'; it was written by a newer Spindle or by hand."),
    };
}
