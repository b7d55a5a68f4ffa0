namespace Wasmcell.Wasi.Abi;

/// <summary>
/// The two module names the host serves. They share almost every signature; wasi_unstable
/// (snapshot 0) differs in the filestat layout (nlink u32, 56 bytes), whence values and the
/// clock subscription layout. See docs/RATIONALE-wasi.md.
/// </summary>
internal enum AbiVersion
{
    Unstable,
    Preview1,
}
