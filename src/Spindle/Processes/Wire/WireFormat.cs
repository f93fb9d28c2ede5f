namespace Spindle.Processes.Wire;

/// <summary>Constants both ends of the pipe agree on.</summary>
internal static class WireFormat
{
    /// <summary>"SPDL": the first bytes a worker writes, so a program that is not a Spindle worker is recognised at once.</summary>
    internal const uint Magic = 0x4C445053;

    internal const ushort Version = 3;

    /// <summary>Length prefix plus type byte.</summary>
    internal const int HeaderBytes = 5;

    /// <summary>The status byte of a result: the handler returned a value.</summary>
    internal const byte Succeeded = 0;

    /// <summary>The status byte of a result: the payload is a <c>TaskFailure</c>.</summary>
    internal const byte Failed = 1;

    /// <summary>A call's flag: the caller listens for progress, so the worker forwards the handler's reports.</summary>
    internal const byte ReportsProgress = 1;

    /// <summary>A call's flag: a 64-bit job id follows the flags (a durable queue's job, for the handler's <c>TaskContext.JobId</c>).</summary>
    internal const byte CarriesJobId = 4;

    /// <summary>A call's flag: when the job's attempt was claimed follows (after the job id), as UTC ticks (<c>TaskContext.AttemptedAt</c>).</summary>
    internal const byte CarriesAttemptedAt = 8;

    /// <summary>A chunk's items as JSON blocks.</summary>
    internal const byte JsonItems = 0;

    /// <summary>A chunk's items as raw little-endian 64-bit integers (integer-to-integer tasks only).</summary>
    internal const byte RawIntegers = 2;

    /// <summary>The environment variable that turns a relaunched application into a worker.</summary>
    internal const string WorkerVariable = "SPINDLE_WORKER";

    /// <summary>The environment variable holding the largest payload the pool accepts.</summary>
    internal const string MaxPayloadVariable = "SPINDLE_WORKER_MAX_PAYLOAD";

    /// <summary>The exit code of a worker that read garbage from its pool.</summary>
    internal const int ProtocolErrorExitCode = 70;

    /// <summary>The exit code of a worker whose pool went away (its input pipe closed).</summary>
    internal const int OrphanedExitCode = 0;
}
