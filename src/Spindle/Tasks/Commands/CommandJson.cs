using System.Text.Json.Serialization;

namespace Spindle.Tasks.Commands;

[JsonSerializable(typeof(CommandArgs))]
[JsonSerializable(typeof(CommandResult))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class CommandJson : JsonSerializerContext;
