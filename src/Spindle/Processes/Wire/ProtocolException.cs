namespace Spindle.Processes.Wire;

/// <summary>The other end of a pipe wrote something that is not a valid frame.</summary>
internal sealed class ProtocolException(string message) : Exception(message)
{
    internal static ProtocolException Garbage(string what, ReadOnlySpan<byte> bytes) =>
        new($"{what}; the bytes begin {Convert.ToHexString(bytes[..Math.Min(bytes.Length, 16)])} (\"{Printable(bytes[..Math.Min(bytes.Length, 16)])}\").");

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            chars[i] = bytes[i] is >= 0x20 and < 0x7F ? (char)bytes[i] : '.';
        }

        return new string(chars);
    }
}
