using System.Text.Json;

namespace Wasmcell.Oci.RuntimeSpec;

/// <summary>Reads a bundle's config.json with an error that names the file.</summary>
public static class SpecLoader
{
    public static Spec Load(string configPath)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(configPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"cannot read OCI spec {configPath}: {e.Message}", e);
        }
        return Parse(bytes, configPath);
    }

    public static Spec Parse(ReadOnlySpan<byte> json, string sourceName)
    {
        try
        {
            return SpecReader.Read(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"OCI spec {sourceName} is not valid JSON ({e.Message}); fix or regenerate the container's config.json", e);
        }
    }

    /// <summary>Reads an Update RPC's resources; a malformed one is an <see cref="InvalidDataException"/>.</summary>
    public static LinuxResources ParseResources(ReadOnlySpan<byte> json)
    {
        try
        {
            return SpecReader.ReadResources(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"resources are not a valid linux.resources object: {e.Message}", e);
        }
    }
}
