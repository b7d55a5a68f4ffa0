using Wasmcell.Shim.Artifacts;

// containerd-shim-wasm-v1-fetch ADDRESS NAMESPACE ID BUNDLE: asks containerd (gRPC on ADDRESS) for container
// ID's image and, when it is an OCI Wasm artifact, writes its module into BUNDLE and what it wrote into
// BUNDLE/wasmcell-artifact (FetchedModule). Exit 0 with no record: not an artifact. Anything else: the reason
// on stderr. The daemon bounds the whole run (ArtifactFetchProcess).
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: containerd-shim-wasm-v1-fetch ADDRESS NAMESPACE CONTAINER-ID BUNDLE (run by the shim's daemon)");
    return 2;
}
var (address, ns, id, bundle) = (args[0], args[1], args[2], args[3]);
try
{
    using var source = new ContainerdContentSource(address, ns);
    var fetched = await new ArtifactModuleFetcher(source).FetchAsync(id, bundle, CancellationToken.None);
    if (fetched is not null)
    {
        FetchedModule.From(fetched).WriteTo(FetchedModule.FileIn(bundle));
    }
    return 0;
}
catch (Exception e)
{
    Console.Error.Write(e.Message);
    return 3;
}
