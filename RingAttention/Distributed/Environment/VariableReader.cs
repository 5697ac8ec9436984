using System.Globalization;

namespace RingAttention.Distributed;

/// <summary>
/// Reads and validates the variables of one launcher's environment. Every failure becomes a
/// <see cref="DistributedSetupException"/> naming the variable, its value and the launcher, because the person
/// reading it has to find which line of a job script set what.
/// </summary>
internal sealed class VariableReader
{
    private readonly Func<string, string?> _variable;

    /// <summary>Creates a reader over <paramref name="variable"/> for the launcher described by <paramref name="environmentName"/>.</summary>
    public VariableReader(Func<string, string?> variable, string environmentName)
    {
        _variable = variable;
        EnvironmentName = environmentName;
    }

    /// <summary>How messages name the environment, e.g. "torchrun-style environment".</summary>
    public string EnvironmentName { get; }

    /// <summary>
    /// The variable's text, or null when it is unset. Empty counts as unset: job scripts often export
    /// <c>VAR=</c> to clear a value, and no variable read here has a meaningful empty value.
    /// </summary>
    public string? Text(string name)
    {
        string? value = _variable(name);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>Whether the variable is set (and not empty).</summary>
    public bool Has(string name) => Text(name) is not null;

    /// <summary>The variable's text; <paramref name="hint"/>, when given, tells how to set it.</summary>
    public string Required(string name, string? hint = null) =>
        Text(name) ?? throw Fail(hint is null ? $"{name} is not set" : $"{name} is not set: {hint}");

    /// <summary>An integer variable that must be set.</summary>
    public int RequiredInt(string name) => ParseInt(name, Required(name));

    /// <summary>An integer variable, or null when unset.</summary>
    public int? OptionalInt(string name) => Text(name) is { } text ? ParseInt(name, text) : null;

    /// <summary>A size (at least 1) that must be set.</summary>
    public int Count(string name) => CheckCount(name, RequiredInt(name));

    /// <summary>A size (at least 1), or null when unset.</summary>
    public int? OptionalCount(string name) => OptionalInt(name) is int value ? CheckCount(name, value) : null;

    /// <summary>
    /// An index variable that must be set and lie in [0, <paramref name="size"/>); <paramref name="sizeSource"/>
    /// says where the size came from (e.g. "WORLD_SIZE=4").
    /// </summary>
    public int Index(string name, int size, string sizeSource) => CheckIndex(name, RequiredInt(name), size, sizeSource);

    /// <summary>Checks that <paramref name="value"/>, read from <paramref name="name"/>, lies in [0, <paramref name="size"/>).</summary>
    public int CheckIndex(string name, int value, int size, string sizeSource) => value >= 0 && value < size
        ? value
        : throw Fail(Invariant($"{name}={value} is out of range [0, {size}) set by {sizeSource}"));

    /// <summary>A TCP port (1 to 65535) that must be set; <paramref name="hint"/>, when given, tells how to set it.</summary>
    public int Port(string name, string? hint = null)
    {
        int port = ParseInt(name, Required(name, hint));
        return port is >= 1 and <= 65535 ? port : throw Fail(Invariant($"{name}={port} is not a TCP port (1 to 65535)"));
    }

    /// <summary>An exception whose message is <paramref name="what"/> followed by the environment's name.</summary>
    public DistributedSetupException Fail(string what) => new($"{what} ({EnvironmentName})");

    /// <summary>Formats with the invariant culture: messages and values must not depend on the machine's locale.</summary>
    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private int ParseInt(string name, string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw Fail($"{name}='{text}' is not an integer");

    private int CheckCount(string name, int value) =>
        value >= 1 ? value : throw Fail(Invariant($"{name}={value} must be at least 1"));
}
