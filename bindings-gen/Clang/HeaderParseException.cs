namespace RingAttention.BindingsGen.Clang;

/// <summary>The header could not be parsed, or uses a C construct bindings-gen does not map; the message says which.</summary>
internal sealed class HeaderParseException : Exception
{
    public HeaderParseException(string message)
        : base(message)
    {
    }

    public HeaderParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HeaderParseException()
    {
    }
}
