using Spindle.Pipelines;

namespace Spindle.Tests.Pipelines;

public sealed class PipelineOptionsTests
{
    [Theory]
    [InlineData(0, 1, "StageOptions.Workers")]
    [InlineData(1025, 1, "StageOptions.Workers")]
    [InlineData(1, 0, "StageOptions.Buffer")]
    [InlineData(1, 16_777_217, "StageOptions.Buffer")]
    public void Stage_options_out_of_range_are_refused_naming_the_option(int workers, int buffer, string named)
    {
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 1));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Map("m", x => x, new StageOptions { Workers = workers, Buffer = buffer }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Routing_errors_without_an_error_sink_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => Pipeline.From(Enumerable.Range(0, 1))
            .Map("m", x => x, new StageOptions { Errors = StageErrorMode.RouteToErrorSink }));

        Assert.Contains("PipelineOptions.ErrorSink", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pipeline_options_out_of_range_are_refused_naming_the_option()
    {
        var output = Assert.Throws<ArgumentOutOfRangeException>(() => Pipeline.From(Enumerable.Range(0, 1), new PipelineOptions { OutputBuffer = 0 }));
        Assert.Contains("PipelineOptions.OutputBuffer", output.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Pipeline.From(Enumerable.Range(0, 1), new PipelineOptions { Name = " " }));
        Assert.Throws<ArgumentNullException>(() => Pipeline.From(Enumerable.Range(0, 1), new PipelineOptions { TimeProvider = null! }));
    }

    [Fact]
    public void Stage_names_must_be_present_and_unique()
    {
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 1)).Map("parse", x => x);

        Assert.Contains("'parse'", Assert.Throws<ArgumentException>(() => pipeline.Filter("parse", x => true)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => pipeline.Map("sink", x => x));
        Assert.Throws<ArgumentException>(() => pipeline.Map("", x => x));
        Assert.Throws<ArgumentNullException>(() => pipeline.Map("m", (Func<int, int>)null!));
        Assert.Throws<ArgumentNullException>(() => Pipeline.From((IEnumerable<int>)null!));
    }
}
