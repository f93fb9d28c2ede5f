using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>Registers a <see cref="QueueWorker"/> as a hosted service of a .NET Generic Host.</summary>
public static class SpindleWorkerServiceCollectionExtensions
{
    /// <summary>
    /// Adds a hosted worker: when the host starts it opens the store, builds its <see cref="TaskCatalog"/> from
    /// <paramref name="tasks"/> and every <see cref="ITaskModule"/> registered, and runs jobs until the host stops;
    /// the host's stop (SIGTERM, Ctrl+C) is the worker's graceful stop, cut short at <c>HostOptions.ShutdownTimeout</c>.
    /// Calling it again adds to the same worker's options and tasks.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets the <see cref="SpindleWorkerOptions"/>: the store and the worker's queues.</param>
    /// <param name="tasks">Adds the task kinds the worker runs; <see langword="null"/> when they come from registered <see cref="ITaskModule"/>s.</param>
    public static IServiceCollection AddSpindleWorker(this IServiceCollection services, Action<SpindleWorkerOptions> configure, Action<TaskCatalog>? tasks = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<SpindleWorkerOptions>().Configure(configure);
        if (tasks is not null)
        {
            services.AddSingleton<ITaskModule>(new DelegateTaskModule(tasks));
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SpindleWorkerService>());
        return services;
    }
}
