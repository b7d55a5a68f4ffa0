namespace Wasmcell.Oci.Registry;

/// <summary>
/// An image reference as docker and containerd spell it: <c>[registry/]repository[:tag][@digest]</c>.
/// A first component with a dot or colon, or <c>localhost</c>, is the registry; otherwise the image is
/// on Docker Hub (<c>docker.io</c>, single names under <c>library/</c>).
/// </summary>
public sealed record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    public const string DockerHub = "docker.io";

    public static ImageReference Parse(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var rest = reference;
        string? digest = null;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!Images.Digests.IsValid(digest))
            {
                throw new FormatException($"invalid digest in image reference '{reference}'");
            }
        }

        string? tag = null;
        var lastSlash = rest.LastIndexOf('/');
        var colon = rest.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
        }

        string registry;
        string repository;
        var firstSlash = rest.IndexOf('/');
        var first = firstSlash < 0 ? null : rest[..firstSlash];
        if (first is not null && (first.Contains('.') || first.Contains(':') || first == "localhost"))
        {
            registry = first;
            repository = rest[(firstSlash + 1)..];
        }
        else
        {
            registry = DockerHub;
            repository = firstSlash < 0 ? "library/" + rest : rest;
        }

        if (repository.Length == 0 || repository.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-' or '/')))
        {
            throw new FormatException($"invalid repository name in image reference '{reference}' (lowercase letters, digits, . _ - / only)");
        }

        if (tag is not null && (tag.Length is 0 or > 128 || tag.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))))
        {
            throw new FormatException($"invalid tag in image reference '{reference}'");
        }

        if (tag is null && digest is null)
        {
            tag = "latest";
        }

        return new ImageReference(registry, repository, tag, digest);
    }

    /// <summary>Tag or digest: what goes after <c>/manifests/</c> in a registry URL.</summary>
    public string ManifestReference => Digest ?? Tag!;

    /// <summary>The fully qualified name containerd stores, e.g. <c>docker.io/library/hello:latest</c>.</summary>
    public override string ToString() =>
        $"{Registry}/{Repository}" + (Tag is null ? string.Empty : ":" + Tag) + (Digest is null ? string.Empty : "@" + Digest);

    /// <summary>The host that serves the v2 API (Docker Hub's API lives on a different name).</summary>
    public string ApiHost => Registry == DockerHub ? "registry-1.docker.io" : Registry;
}
