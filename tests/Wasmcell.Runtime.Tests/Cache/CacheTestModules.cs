using Wasmtime;

namespace Wasmcell.Runtime.Tests.Cache;

/// <summary>Tiny modules whose behaviour tells them apart: each exports <c>answer</c> returning its own number.</summary>
internal sealed class CacheTestModules : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("wasmcell-cache-test-").FullName;

    public string CacheRoot => Path.Combine(Dir, "cache");

    public string Write(string name, int answer)
    {
        var path = Path.Combine(Dir, name);
        // The padding function makes entries a few KiB so size bounds are easy to set.
        File.WriteAllBytes(path, Module.ConvertText($$"""
            (module
              (func (export "answer") (result i32) i32.const {{answer}})
              (func (export "pad") (param i32) (result i32)
                {{string.Concat(Enumerable.Repeat("local.get 0 i32.const 7 i32.mul i32.const 3 i32.add local.set 0 ", 200))}}
                local.get 0))
            """));
        return path;
    }

    public static int Answer(Engine engine, Module module)
    {
        using var store = new Store(engine);
        var instance = new Linker(engine).Instantiate(store, module);
        return (int)instance.GetFunction("answer")!.Invoke()!;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
