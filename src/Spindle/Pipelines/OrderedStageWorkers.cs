using System.Threading.Channels;

namespace Spindle.Pipelines;

/// <summary>
/// The workers of an ordered stage with several workers. A worker takes a segment and reserves its slot in
/// one step (under <see cref="_turn"/>), so slots queue in input order; it fills the slot while other
/// workers fill theirs; one sequencer delivers the slots downstream in that order.
/// </summary>
/// <remarks>
/// The slot queue is bounded at twice the workers and each slot at <see cref="OrderedSlot{T}.Room"/> segments:
/// a worker far ahead of a slow one waits rather than piling up finished output, so memory stays bounded
/// however unevenly the items take and however many items a flat-map makes of one. It cannot deadlock: the
/// sequencer always drains the head slot, whose worker therefore always finishes.
/// </remarks>
internal sealed class OrderedStageWorkers<TIn, TOut> : IStageBuffer
{
    private readonly PipelineRun _run;
    private readonly StageBuffer<TIn> _input;
    private readonly StageBuffer<TOut> _output;
    private readonly StageStep<TIn, TOut> _step;
    private readonly StageCounters _counters;
    private readonly StageFailures _failures;
    private readonly Channel<OrderedSlot<TOut>> _slots;

    // Held by the worker taking the next segment and queueing its slot; the order of slots is the order of input.
    private readonly SemaphoreSlim _turn = new(1, 1);

    // Workers still running; the last one out completes the slot queue. Interlocked, by the workers.
    private int _running;

    // Guarded by itself: the slots not yet drained, oldest first (queued by the worker holding _turn, dequeued
    // by the sequencer), and whether the run stopped; Abort aborts them all and any slot queued after.
    private readonly Queue<OrderedSlot<TOut>> _live = new();
    private bool _aborted;

    internal OrderedStageWorkers(PipelineRun run, StageBuffer<TIn> input, StageBuffer<TOut> output, StageStep<TIn, TOut> step, StageCounters counters, StageFailures failures)
    {
        _run = run;
        _input = input;
        _output = output;
        _step = step;
        _counters = counters;
        _failures = failures;
        _slots = Channel.CreateBounded<OrderedSlot<TOut>>(new BoundedChannelOptions(2 * counters.Workers) { SingleReader = true });
        run.Buffers.Add(this);
    }

    /// <summary>The run stopped: every slot's waiting worker and the sequencer wake and give up.</summary>
    public void Abort()
    {
        OrderedSlot<TOut>[] live;
        lock (_live)
        {
            _aborted = true;
            live = [.. _live];
        }

        foreach (OrderedSlot<TOut> slot in live)
        {
            slot.Abort();
        }
    }

    internal void Start()
    {
        _running = _counters.Workers;
        for (int i = 0; i < _counters.Workers; i++)
        {
            _run.Spawn(WorkAsync);
        }

        _run.Spawn(SequenceAsync);
    }

    private async Task WorkAsync()
    {
        CancellationToken token = _run.Token;
        var emitter = new Emitter<TOut>(_output, _counters, _run.Time);
        try
        {
            while (await NextAsync(token).ConfigureAwait(false) is (Segment<TIn> segment, OrderedSlot<TOut> slot))
            {
                emitter.Target = slot;
                await StageWorkers<TIn, TOut>.ProcessAsync(_step, segment, emitter, _failures, _counters, _run.Time, token).ConfigureAwait(false);
                await emitter.FlushAsync(token).ConfigureAwait(false);
                _input.Return(segment);
                slot.Complete();
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The run failed or was cancelled; the sequencer stops on the same token.
        }
        catch (Exception ex)
        {
            _run.Fail(new PipelineStageException(_counters.Name, null, hasItem: false, ex));
        }
        finally
        {
            if (Interlocked.Decrement(ref _running) == 0)
            {
                _slots.Writer.TryComplete();
            }
        }
    }

    private async ValueTask<(Segment<TIn>, OrderedSlot<TOut>)?> NextAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Segment<TIn> segment;
            while (!_input.TryRead(out segment))
            {
                if (!await _input.WaitToReadAsync().ConfigureAwait(false))
                {
                    return null;
                }
            }

            var slot = new OrderedSlot<TOut>(_output);
            bool aborted;
            lock (_live)
            {
                aborted = _aborted;
                _live.Enqueue(slot);
            }

            if (aborted)
            {
                slot.Abort();
            }

            await _slots.Writer.WriteAsync(slot, cancellationToken).ConfigureAwait(false);
            return (segment, slot);
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task SequenceAsync()
    {
        CancellationToken token = _run.Token;
        var waiter = new PermitWaiter<TOut>();
        try
        {
            await foreach (OrderedSlot<TOut> slot in _slots.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                // The head slot streams: its segments go on as its worker writes them.
                while (true)
                {
                    if (slot.TryTake(out Segment<TOut> segment))
                    {
                        if (!await _output.WriteAsync(segment, waiter).ConfigureAwait(false))
                        {
                            throw new OperationCanceledException(token);
                        }

                        continue;
                    }

                    if (!await slot.WaitAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }

                // An aborted slot also ends the wait; only a finished one may let the next slot go.
                token.ThrowIfCancellationRequested();
                lock (_live)
                {
                    _live.Dequeue();
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped with the run.
        }
        catch (Exception ex)
        {
            _run.Fail(new PipelineStageException(_counters.Name, null, hasItem: false, ex));
        }
        finally
        {
            _output.Complete();
        }
    }
}
