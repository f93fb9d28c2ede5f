namespace Spindle.Pools;

/// <summary>
/// The task scheduler behind <see cref="PooledCall{TResult}"/>: the pool queues those calls itself, so this
/// only runs them and takes back the ones whose token fires while they wait.
/// </summary>
internal sealed class PoolScheduler(PriorityWorkerPool pool) : TaskScheduler
{
    internal void Execute(Task task) => TryExecuteTask(task);

    /// <summary>Pooled calls are queued by the pool; any other task that reaches here runs on the .NET pool.</summary>
    protected override void QueueTask(Task task)
    {
        if (task is not IWorkItem)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => ((PoolScheduler)state.Scheduler).TryExecuteTask(state.Task), (Scheduler: (TaskScheduler)this, Task: task), preferLocal: false);
        }
    }

    /// <summary>The call's token fired while it waited: remove it so the Task machinery can cancel it.</summary>
    protected override bool TryDequeue(Task task) => task is IWorkItem item && pool.TryWithdraw(item);

    /// <summary>Never inline: a call runs only when the pool gives it a worker.</summary>
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task>? GetScheduledTasks() => null;
}
