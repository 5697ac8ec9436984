namespace RingAttention.Cli.Npy;

/// <summary>The three facts a .npy header dict states about the data that follows it.</summary>
/// <param name="DataType">Element type (from 'descr').</param>
/// <param name="FortranOrder">Whether the data is column-major (from 'fortran_order').</param>
/// <param name="Shape">Dimensions (from 'shape').</param>
internal sealed record NpyHeader(NpyDataType DataType, bool FortranOrder, int[] Shape);
