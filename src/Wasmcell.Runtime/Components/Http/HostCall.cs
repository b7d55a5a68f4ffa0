namespace Wasmcell.Runtime.Components.Http;

/// <summary>A host function of an import: reads the guest's arguments and writes its results through <see cref="HostCall"/>.</summary>
internal delegate void HostFunction(HostCall call);

/// <summary>
/// One call from the guest into a host function: the store's context, the arguments and result slots as Wasmtime
/// handed them over (valid only during the call), and the request whose resources the handles name.
/// </summary>
internal readonly unsafe ref struct HostCall
{
    private readonly ComponentVal* _args;
    private readonly ComponentVal* _results;
    private readonly int _argCount, _resultCount;

    public HostCall(IntPtr context, ComponentVal* args, nuint argCount, ComponentVal* results, nuint resultCount, ProxyRequestState state)
    {
        Context = context;
        _args = args;
        _argCount = (int)argCount;
        _results = results;
        _resultCount = (int)resultCount;
        State = state;
    }

    public IntPtr Context { get; }

    public ProxyRequestState State { get; }

    public ref ComponentVal Arg(int i) => ref _args[CheckIndex(i, _argCount)];

    public void Return(ComponentVal value) => _results[CheckIndex(0, _resultCount)] = value;

    /// <summary>A new owned handle for the guest to the host object <paramref name="value"/>.</summary>
    public ComponentVal Own(ResourceKind kind, object value) => HostHandles.Own(Context, State, kind, value);

    /// <summary>The host object behind the borrowed (or owned, for `self` of a static) handle in argument <paramref name="i"/>.</summary>
    public T Borrow<T>(int i, ResourceKind kind) where T : class => Borrow<T>(ref Arg(i), kind);

    /// <summary>The host object behind a borrowed handle (an own one given instead comes back to the host).</summary>
    public T Borrow<T>(ref ComponentVal handle, ResourceKind kind) where T : class => Lookup<T>(ref handle, kind, take: false);

    /// <summary>Ownership of the handle in argument <paramref name="i"/> passes to the host: the host object leaves the table.</summary>
    public T Take<T>(int i, ResourceKind kind) where T : class => Take<T>(ref Arg(i), kind);

    public T Take<T>(ref ComponentVal handle, ResourceKind kind) where T : class => Lookup<T>(ref handle, kind, take: true);

    private T Lookup<T>(ref ComponentVal handle, ResourceKind kind, bool take) where T : class
    {
        var (rep, type, owned) = Resolve(ref handle);
        if (type != (uint)kind)
        {
            throw new InvalidOperationException($"expected a {kind} handle");
        }
        var value = State.Resources.Get<T>(rep, kind);
        if (take || owned)
        {
            // Converting an own handle moved it out of the guest's table: the host holds it now.
            State.Resources.Remove(rep);
        }
        return value;
    }

    private (uint Rep, uint Type, bool Owned) Resolve(ref ComponentVal handle)
    {
        if (handle.Kind != ValKind.Resource)
        {
            throw new InvalidOperationException("expected a resource handle");
        }
        var any = handle.Resource;
        var owned = ComponentNative.ResourceAnyOwned(any);
        IntPtr host;
        ComponentNative.Check(ComponentNative.ResourceAnyToHost(Context, any, &host), "resource handle");
        uint rep, type;
        try
        {
            rep = ComponentNative.ResourceHostRep(host);
            type = ComponentNative.ResourceHostType(host);
        }
        finally
        {
            ComponentNative.ResourceHostDelete(host);
        }
        return (rep, type, owned);
    }

    private static int CheckIndex(int i, int count) =>
        (uint)i < (uint)count ? i : throw new InvalidOperationException($"value {i} of {count}: the import's signature differs from the host's");
}
