using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spindle.Processes;

/// <summary>Source-generated metadata for results carried as JSON without a type (<see cref="ProcessPool.SubmitJsonAsync"/>).</summary>
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class RawJsonContext : JsonSerializerContext;
