using System.Globalization;
using System.Text;
using RingAttention.Cli.Commands;

namespace RingAttention.Cli.Demo;

/// <summary>Prints the demo's rows as a fixed-width table, one row as soon as it is ready.</summary>
internal static class DemoTable
{
    private static readonly CompositeFormat RowFormat = CompositeFormat.Parse("{0,-7} {1,-11} {2,3}  {3,-9} {4,-9} {5,-9} {6,-9} {7,-9} {8,8} {9,8}");

    /// <summary>Writes the column titles.</summary>
    public static void WriteHeader(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(string.Format(CultureInfo.InvariantCulture, RowFormat, "mask", "balance", "N", "err O", "err LSE", "err dQ", "err dK", "err dV", "fwd ms", "bwd ms"));
    }

    /// <summary>Writes one row.</summary>
    public static void WriteRow(TextWriter output, DemoRow row)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(row);
        output.WriteLine(string.Format(
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
            row.BackwardMilliseconds.ToString("F1", CultureInfo.InvariantCulture)));
    }

    /// <summary>An error in the table's notation, e.g. 1.2e-07.</summary>
    public static string Error(double value) => value.ToString("0.0e+00", CultureInfo.InvariantCulture);
}
