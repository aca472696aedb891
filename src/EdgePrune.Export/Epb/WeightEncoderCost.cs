using EdgePrune.Runtime.Format;

namespace EdgePrune.Export.Epb;

/// <summary>What <see cref="WeightEncoder"/> minimises when a constant has several exact encodings.</summary>
public enum EncodingGoal
{
    /// <summary>The fewest bytes (the default: flash is what a microcontroller runs out of first).</summary>
    Size,

    /// <summary>The fewest instructions by <see cref="WeightEncoderCost"/>, among the encodings no larger than dense.</summary>
    Speed,
}

/// <summary>
/// Estimated instructions one inference spends in the C runtime's int8 FullyConnected for a [rows, cols] weight matrix in a
/// given encoding, on a Cortex-M4 with the DSP path (firmware-export/runtime/src/fully_connected_s8.c, arm-none-eabi-gcc
/// 12.2 -Os). The constants are the instructions of each kernel's loops, counted in its disassembly (docs/c-export.md
/// "Choosing encodings for speed"); the qemu instruction counts of the LeNet-300-100 exports agree within a few per cent.
/// For other weights (fp32, Conv) the same figures serve as a ranking only: they read the encodings in the same way.
/// </summary>
public static class WeightEncoderCost
{
    /// <summary>Per output row, any encoding: the requantization call (≈ 50) plus the bias, the store and the row loop.</summary>
    private const double PerRow = 60;

    /// <summary>Dense: 25 instructions per 4 inputs × 4 rows in the SMLAD loop.</summary>
    private const double DensePerWeight = 25.0 / 16;

    /// <summary>Int4: the portable nibble loop.</summary>
    private const double Int4PerWeight = 15;

    /// <summary>Bitmask: CLZ, two loads, SMLABB, a shift and the EOR that clears the bit, and its branch.</summary>
    private const double BitmaskPerStored = 7;

    /// <summary>Bitmask: per 32-bit mask word a load, a test and the pointer updates.</summary>
    private const double BitmaskPerWord = 6;

    /// <summary>Bitmask: a row's first and last word masked, and the word count.</summary>
    private const double BitmaskPerRow = 64;

    /// <summary>CSR8 / CSR16: column, input and weight loads, SMLABB and the loop (with gcc's reload of the row end).</summary>
    private const double CsrPerStored = 11;

    /// <summary>Block-sparse 1×4: a column load, two word loads, four SXTB16, two SMLAD, the loop.</summary>
    private const double Block1x4PerBlock = 11;

    /// <summary>Block-sparse 1×8: the same for two word pairs (one spilled register).</summary>
    private const double Block1x8PerBlock = 23;

    /// <summary>Other block shapes, generic loop: block setup per row of a block, then per word of four or per element.</summary>
    private const double BlockSetup = 12;

    private const double BlockPerWord = 11;

    private const double BlockPerElement = 6;

    /// <summary>N:M: the 2-bit position unpacked from the slot index, two loads, SMLABB, the loop.</summary>
    private const double NofMPerSlot = 19;

    private const double NofMPerGroup = 8;

    /// <summary>Instructions one inference spends on <paramref name="weight"/> as a [rows, cols] matrix.</summary>
    public static double Instructions(EncodedWeight weight, int rows, int cols)
    {
        double elements = (double)rows * cols;
        double perRows = PerRow * rows;
        return weight.Encoding switch
        {
            WeightEncoding.Dense => perRows + (DensePerWeight * elements),
            WeightEncoding.Int4 => perRows + (Int4PerWeight * elements),
            WeightEncoding.Bitmask => perRows + (BitmaskPerRow * rows) + (BitmaskPerStored * weight.StoredCount) + (BitmaskPerWord * Math.Ceiling(elements / 32)),
            WeightEncoding.Csr8 or WeightEncoding.Csr16 => perRows + (CsrPerStored * weight.StoredCount),
            WeightEncoding.BlockSparse => perRows + BlockInstructions(weight.P0, weight.P1, weight.StoredCount),
            WeightEncoding.NofM => perRows + (NofMPerSlot * weight.StoredCount) + (NofMPerGroup * elements / weight.P1),
            _ => throw new ArgumentOutOfRangeException(nameof(weight), weight.Encoding, "no cost model for this encoding"),
        };
    }

    private static double BlockInstructions(int blockRows, int blockCols, int blocks) => (blockRows, blockCols) switch
    {
        (1, 4) => Block1x4PerBlock * blocks,
        (1, 8) => Block1x8PerBlock * blocks,
        // The generic loop visits each block once per row of it.
        _ => (double)blocks * blockRows * (BlockSetup + (blockCols % 4 == 0 ? BlockPerWord * blockCols / 4 : BlockPerElement * blockCols)),
    };
}
