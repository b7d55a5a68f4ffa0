// Every test here drives a private containerd, runc, cgroups or a CNI bridge (the few that do not sit
// beside them): all are left out of the rootless run, --filter "Needs!=root", tests added later included.
[assembly: AssemblyTrait("Needs", "root")]
[assembly: AssemblyTrait("Needs", "containerd")]
