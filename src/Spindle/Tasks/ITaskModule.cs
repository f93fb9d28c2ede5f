namespace Spindle.Tasks;

/// <summary>
/// A class library's tasks: the generic worker host (<c>spindle worker --tasks module.dll</c>) creates each
/// public implementation with its parameterless constructor and lets it register its kinds.
/// </summary>
public interface ITaskModule
{
    /// <summary>Adds this module's tasks to <paramref name="catalog"/>.</summary>
    void Register(TaskCatalog catalog);
}
