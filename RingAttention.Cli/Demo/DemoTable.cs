using System.Globalization;
using System.Text;
using RingAttention.Cli.Commands;

namespace RingAttention.Cli.Demo;

/// <summary>
/// Prints the demo's rows as a fixed-width table, one row as soon as it is ready. With only the CPU backend the table
/// has no backend column (as it always had); when the GPU backend runs too, every row starts with its backend.
/// </summary>
internal static class DemoTable
{
    private static readonly CompositeFormat RowFormat = CompositeFormat.Parse("{0,-7} {1,-11} {2,3}  {3,-9} {4,-9} {5,-9} {6,-9} {7,-9} {8,8} {9,8}");
    private static readonly CompositeFormat BackendFormat = CompositeFormat.Parse("{0,-10} {1}");

    /// <summary>Writes the column titles.</summary>
    public static void WriteHeader(TextWriter output, bool withBackend = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        string columns = string.Format(CultureInfo.InvariantCulture, RowFormat, "mask", "balance", "N", "err O", "err LSE", "err dQ", "err dK", "err dV", "fwd ms", "bwd ms");
        output.WriteLine(withBackend ? string.Format(CultureInfo.InvariantCulture, BackendFormat, "backend", columns) : columns);
    }

    /// <summary>Writes one row.</summary>
    public static void WriteRow(TextWriter output, DemoRow row, bool withBackend = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(row);
        string columns = string.Format(
            CultureInfo.InvariantCulture,
            RowFormat,
            CliChoices.NameOf(CliChoices.Masks, row.Problem.Mask),
            CliChoices.NameOf(CliChoices.Balances, row.Problem.Balance),
            row.Problem.RingSize,
            Error(row.OutputError),
            Error(row.LseError),
            Error(row.QueryGradientError),
            Error(row.KeyGradientError),
            Error(row.ValueGradientError),
            row.ForwardMilliseconds.ToString("F1", CultureInfo.InvariantCulture),
            row.BackwardMilliseconds.ToString("F1", CultureInfo.InvariantCulture));
        output.WriteLine(withBackend ? string.Format(CultureInfo.InvariantCulture, BackendFormat, row.Backend, columns) : columns);
    }

    /// <summary>An error in the table's notation, e.g. 1.2e-07.</summary>
    public static string Error(double value) => value.ToString("0.0e+00", CultureInfo.InvariantCulture);
}
