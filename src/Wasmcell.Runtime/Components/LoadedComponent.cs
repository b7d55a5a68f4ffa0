using Wasmtime.Components;

namespace Wasmcell.Runtime.Components;

/// <summary>A compiled component checked at load to be one this runtime starts: a <see cref="CommandComponent"/> or an <see cref="Http.ProxyComponent"/>.</summary>
public abstract class LoadedComponent : IDisposable
{
    public abstract Component Component { get; }

    /// <summary>The file it was loaded from, as errors name it.</summary>
    public abstract string Path { get; }

    public abstract void Dispose();
}
