namespace Spindle.Pipelines;

/// <summary>What a run needs of each of its buffers, whatever their item type: to abort them when it stops.</summary>
internal interface IStageBuffer
{
    void Abort();
}
