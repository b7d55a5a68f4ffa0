using System.Reflection;

namespace Wasmcell.Ttrpc.Tests;

/// <summary>
/// The shim is written against this exact surface; any change to it must be deliberate, so the test
/// compares it to PublicApi.verified.txt (the generated wire types in Wasmcell.Ttrpc.Wire are left out).
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void Public_api_matches_the_snapshot()
    {
        string expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "PublicApi.verified.txt")).ReplaceLineEndings("\n").Trim();

        Assert.Equal(expected, Describe(typeof(TtrpcServer).Assembly));
    }

    private static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (Type type in assembly.GetExportedTypes().Where(t => t.Namespace == "Wasmcell.Ttrpc").OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            lines.Add($"{Kind(type)} {type.FullName}{Base(type)}");
            const BindingFlags Declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            IEnumerable<string> members = type.IsEnum
                ? type.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => $"  {f.Name} = {Convert.ToInt64(f.GetRawConstantValue())}")
                : type.GetMembers(Declared)
                    .Where(m => m is not MethodInfo { IsSpecialName: true })
                    .Select(m => "  " + Member(m))
                    .Order(StringComparer.Ordinal);
            lines.AddRange(members);
        }

        return string.Join("\n", lines);
    }

    private static string Kind(Type type) =>
        type.IsEnum ? "enum" : type.IsSubclassOf(typeof(MulticastDelegate)) ? "delegate" : type.IsValueType ? "struct" : type.IsSealed ? "sealed class" : "class";

    private static string Base(Type type) =>
        type.GetInterfaces().Length > 0 && !type.IsEnum && !type.IsSubclassOf(typeof(MulticastDelegate))
            ? " : " + string.Join(", ", type.GetInterfaces().Select(Name).Order(StringComparer.Ordinal))
            : type.BaseType == typeof(Exception) ? " : Exception" : "";

    private static string Member(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"ctor({Parameters(c)})",
        MethodInfo m => $"{(m.IsStatic ? "static " : "")}{Name(m.ReturnType)} {m.Name}{Generic(m)}({Parameters(m)})",
        PropertyInfo p => $"{Name(p.PropertyType)} {p.Name} {{ {(p.GetMethod?.IsPublic == true ? "get; " : "")}{(p.SetMethod?.IsPublic == true ? "set; " : "")}}}",
        _ => $"{member.MemberType} {member.Name}",
    };

    private static string Generic(MethodInfo method) =>
        method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(Name))}>" : "";

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p => $"{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")}"));

    private static string Name(Type type)
    {
        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        string name = type.IsGenericType ? type.Name[..type.Name.IndexOf('`')] : type.Name;
        string prefix = type.Namespace is null || type.Namespace == "System" ? "" : type.Namespace + ".";
        return type.IsGenericType ? $"{prefix}{name}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>" : prefix + name;
    }
}
