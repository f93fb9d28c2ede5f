using System.Text;
using Spindle.Tasks.Commands;

namespace Spindle.Tests.Tasks.Commands;

public sealed class OutputTailTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(1024)]
    [InlineData(5000)]
    public void Pieces_of_any_size_keep_exactly_the_last_capacity_characters(int capacity)
    {
        var random = new Random(capacity);
        var tail = new OutputTail(capacity);
        var all = new StringBuilder();

        for (int i = 0; i < 400; i++)
        {
            // Mostly small pieces, now and then one longer than the whole tail.
            int length = random.Next(10) == 0 ? random.Next(capacity, capacity * 2 + 2) : random.Next(0, 40);
            string piece = new(Enumerable.Range(0, length).Select(_ => (char)random.Next('a', 'z' + 1)).ToArray());
            tail.Append(piece);
            all.Append(piece);

            string expected = all.ToString();
            Assert.Equal(expected[Math.Max(0, expected.Length - capacity)..], tail.ToString());
        }
    }

    [Fact]
    public void A_tail_of_zero_keeps_nothing()
    {
        var tail = new OutputTail(0);

        tail.Append("something");

        Assert.Equal("", tail.ToString());
    }

    [Fact]
    public void Nothing_appended_is_an_empty_string()
    {
        Assert.Equal("", new OutputTail(10).ToString());
    }

    [Fact]
    public void A_cut_inside_a_surrogate_pair_drops_the_lone_half()
    {
        var tail = new OutputTail(2);

        tail.Append("ab🎉c");

        // The last two UTF-16 units are the low half of 🎉 and "c": the half is dropped, not kept broken.
        Assert.Equal("c", tail.ToString());
    }

    [Fact]
    public void A_surrogate_pair_is_kept_whole_or_not_at_all_as_the_ring_turns()
    {
        var tail = new OutputTail(3);

        tail.Append("ab");
        tail.Append("🎉");
        var cutInRing = new OutputTail(3);
        cutInRing.Append("a🎉");
        cutInRing.Append("bc");

        Assert.Equal("b🎉", tail.ToString());
        Assert.Equal("bc", cutInRing.ToString());
    }
}
