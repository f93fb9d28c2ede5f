using System.Diagnostics;

namespace Spindle.Tasks.Commands;

/// <summary>
/// The last <c>capacity</c> characters of a stream of text, in memory bounded by the capacity however much
/// is appended: the array grows up to the capacity, then becomes a ring that overwrites its oldest characters.
/// </summary>
internal sealed class OutputTail
{
    private const int FirstSize = 1024;

    private readonly int _capacity;

    // Owned by the one task pumping a stream into this tail; read by the runner only after that task ended.
    private char[] _buffer = [];
    private int _start;
    private int _count;
    private bool _dropped;

    internal OutputTail(int capacity)
    {
        Debug.Assert(capacity >= 0, "validated by the runner");
        _capacity = capacity;
    }

    internal void Append(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        if (_capacity == 0)
        {
            _dropped = true;
            return;
        }

        if (text.Length >= _capacity)
        {
            _dropped |= _count > 0 || text.Length > _capacity;
            EnsureSize(_capacity);
            text[^_capacity..].CopyTo(_buffer);
            _start = 0;
            _count = _capacity;
            return;
        }

        if (_buffer.Length < _capacity && _count + text.Length > _buffer.Length)
        {
            EnsureSize(Math.Min(_capacity, Math.Max(_buffer.Length * 2, Math.Max(FirstSize, _count + text.Length))));
        }

        // Write at the logical end, wrapping; whatever is overwritten was the oldest text.
        int end = (_start + _count) % _buffer.Length;
        int first = Math.Min(text.Length, _buffer.Length - end);
        text[..first].CopyTo(_buffer.AsSpan(end));
        text[first..].CopyTo(_buffer);
        int overflow = _count + text.Length - _buffer.Length;
        if (overflow > 0)
        {
            _dropped = true;
            _start = (_start + overflow) % _buffer.Length;
            _count = _buffer.Length;
        }
        else
        {
            _count += text.Length;
        }
    }

    /// <summary>
    /// The kept text. When older text was dropped and the cut fell inside a surrogate pair, the lone low
    /// surrogate at the start is left out too, so the tail is valid UTF-16 and serializes as JSON.
    /// </summary>
    public override string ToString()
    {
        int start = _start;
        int count = _count;
        if (_dropped && count > 0 && char.IsLowSurrogate(_buffer[start]))
        {
            start = (start + 1) % _buffer.Length;
            count--;
        }

        if (count == 0)
        {
            return string.Empty;
        }

        int first = Math.Min(count, _buffer.Length - start);
        return string.Concat(_buffer.AsSpan(start, first), _buffer.AsSpan(0, count - first));
    }

    private void EnsureSize(int size)
    {
        if (_buffer.Length >= size)
        {
            return;
        }

        // Only reached before the ring first wraps, so the text is in order from index _start == 0.
        Debug.Assert(_start == 0, "the buffer grows only before it wraps");
        char[] bigger = new char[size];
        _buffer.AsSpan(0, _count).CopyTo(bigger);
        _buffer = bigger;
    }
}
