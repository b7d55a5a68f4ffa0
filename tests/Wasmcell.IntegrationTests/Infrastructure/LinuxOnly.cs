// The integration tests drive containerd, runc, cgroups and /proc: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
