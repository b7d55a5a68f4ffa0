using Wasmcell.Oci.Registry;
using Wasmcell.Oci.Tests.Infrastructure;

namespace Wasmcell.Oci.Tests;

public sealed class DockerCredentialStoreTests
{
    [Fact]
    public void Reads_base64_auth_and_split_fields_and_docker_hub_key()
    {
        using var dir = new TempDir();
        var auth = Convert.ToBase64String("alice:pa:ss"u8.ToArray());
        File.WriteAllText(dir["config.json"], $$"""
            {"auths":{
              "127.0.0.1:5000":{"auth":"{{auth}}"},
              "https://reg.example":{"username":"bob","password":"pw"},
              "https://index.docker.io/v1/":{"auth":"{{Convert.ToBase64String("hub:tok"u8.ToArray())}}"}
            },"credsStore":"desktop"}
            """);
        var store = DockerCredentialStore.Load(dir["config.json"]);

        Assert.Equal(new RegistryCredentials("alice", "pa:ss"), store.Find("127.0.0.1:5000"));
        Assert.Equal(new RegistryCredentials("bob", "pw"), store.Find("reg.example"));
        Assert.Equal(new RegistryCredentials("hub", "tok"), store.Find("docker.io"));
        Assert.Null(store.Find("other.example"));
    }

    [Fact]
    public void Missing_file_means_no_credentials()
    {
        using var dir = new TempDir();
        Assert.Null(DockerCredentialStore.Load(dir["nope.json"]).Find("127.0.0.1:5000"));
    }

    [Fact]
    public void Credentials_never_print_the_password()
    {
        Assert.DoesNotContain("hunter2", new RegistryCredentials("u", "hunter2").ToString());
    }
}
