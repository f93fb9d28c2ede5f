namespace Spindle.Processes.Wire;

/// <summary>
/// The frames on the pipes between a pool and its worker processes. Every frame is
/// <c>[u32 payload length][u8 type][payload]</c>, little-endian; the layouts are in <see cref="FrameBuffer"/>'s writers.
/// </summary>
internal enum FrameType : byte
{
    /// <summary>Pool → worker: <c>[i32 kind id][utf8 kind]</c>: names a kind once; calls then carry the id.</summary>
    DefineKind = 1,

    /// <summary>Pool → worker: <c>[i64 call id][i32 kind id][i32 attempt][u8 flags][i64 job id if CarriesJobId][i64 UTC ticks
    /// if CarriesAttemptedAt][json arguments]</c>.</summary>
    Call = 2,

    /// <summary>Pool → worker: <c>[i64 call id][i32 kind id][i32 attempt][i32 count][u8 encoding]</c> then
    /// <c>{[u32 length][json]}</c> per item, or <c>{i64}</c> per item for <see cref="WireFormat.RawIntegers"/>: a map chunk.</summary>
    Chunk = 3,

    /// <summary>Pool → worker: <c>[i64 call id]</c>: cancel a queued or running call.</summary>
    Cancel = 4,

    /// <summary>Pool → worker: finish the calls received, then exit with code 0.</summary>
    Shutdown = 5,

    /// <summary>Worker → pool, first frame: <c>[u32 magic][u16 version][i32 process id]</c>.</summary>
    Hello = 0x41,

    /// <summary>Worker → pool: <c>[i64 call id][u8 status][json result or TaskFailure]</c>.</summary>
    Result = 0x42,

    /// <summary>Worker → pool: <c>[i64 call id][i32 count][u8 encoding]</c> then <c>{[u8 status][u32 length][json]}</c> per
    /// item, or for <see cref="WireFormat.RawIntegers"/> <c>{i64}</c> per item and <c>[i32 failures]{[i32 index][u32 length][TaskFailure json]}</c>.</summary>
    ChunkResult = 0x43,

    /// <summary>Worker → pool: <c>[i64 call id][f64 fraction][utf8 message]</c>: a running call's progress report.</summary>
    Progress = 0x44,
}
