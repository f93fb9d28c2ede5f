using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Spindle.Tasks;

namespace Spindle.Tests.Tasks;

/// <summary>The codec's short path for integers writes and reads the very JSON the serializer would.</summary>
public sealed class JsonCodecTests
{
    private static readonly JsonTypeInfo<long> LongInfo = (JsonTypeInfo<long>)JsonSerializerOptions.Default.GetTypeInfo(typeof(long));

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    [InlineData(1234567890123L)]
    public void Integers_AreWrittenAsTheSerializerWould_AndReadBack(long value)
    {
        var codec = new JsonCodec<long>(LongInfo);
        Assert.True(codec.IsPlainInteger);
        var output = new ArrayBufferWriter<byte>();
        codec.Write(output, value);
        Assert.Equal(JsonSerializer.Serialize(value), Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(value, codec.Read(output.WrittenSpan));
    }

    [Theory]
    [InlineData(" 42 ", 42L)]
    [InlineData("42\n", 42L)]
    public void WhitespaceFallsBackToTheSerializer(string json, long expected) =>
        Assert.Equal(expected, new JsonCodec<long>(LongInfo).Read(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("+5")]
    [InlineData("07")]
    [InlineData("-07")]
    [InlineData("5.5")]
    [InlineData("\"5\"")]
    [InlineData("99999999999999999999")]
    [InlineData("")]
    public void WhatJsonRefuses_TheCodecRefuses(string json) =>
        Assert.ThrowsAny<JsonException>(() => new JsonCodec<long>(LongInfo).Read(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void CustomNumberHandling_TurnsTheShortPathOff()
    {
        var options = new JsonSerializerOptions(JsonSerializerOptions.Default) { NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString };
        var codec = new JsonCodec<long>((JsonTypeInfo<long>)options.GetTypeInfo(typeof(long)));
        Assert.False(codec.IsPlainInteger);
        var output = new ArrayBufferWriter<byte>();
        codec.Write(output, 7);
        Assert.Equal("\"7\"", Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(7L, codec.Read(output.WrittenSpan));
    }

    [Fact]
    public void OtherTypes_GoThroughTheSerializer()
    {
        var codec = new JsonCodec<string>((JsonTypeInfo<string>)JsonSerializerOptions.Default.GetTypeInfo(typeof(string)));
        Assert.False(codec.IsPlainInteger);
        var output = new ArrayBufferWriter<byte>();
        codec.Write(output, "a\"b");
        Assert.Equal("a\"b", codec.Read(output.WrittenSpan));
    }
}
