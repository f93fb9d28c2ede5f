using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>The tasks delegate given to <c>AddSpindleWorker</c>, registered as one more <see cref="ITaskModule"/>.</summary>
internal sealed class DelegateTaskModule(Action<TaskCatalog> register) : ITaskModule
{
    public void Register(TaskCatalog catalog) => register(catalog);
}
