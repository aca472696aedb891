using System.Buffers.Binary;
using EdgePrune.Export.Epb;

namespace EdgePrune.TestSupport;

/// <summary>
/// One random corruption of a valid .epb (bit flips, a truncation, or 32-bit fields set to extremes), resealed with
/// correct CRCs half of the time so the structural checks behind the CRCs are reached too. Used by the .NET reader's and
/// the C interpreter's fuzz tests.
/// </summary>
public static class EpbMutations
{
    public static byte[] Mutate(Random random, byte[] original)
    {
        var file = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0:
                for (int flips = random.Next(1, 9); flips > 0; flips--)
                {
                    int bit = random.Next(file.Length * 8);
                    file[bit / 8] ^= (byte)(1 << (bit % 8));
                }

                break;
            case 1:
                file = file.AsSpan(0, random.Next(file.Length)).ToArray();
                break;
            default:
                uint[] extremes = [0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, (uint)file.Length, (uint)file.Length - 16, 0xFFFF, 0x10000, (uint)random.Next()];
                for (int fields = random.Next(1, 3); fields > 0; fields--)
                {
                    int offset = random.Next((file.Length / 4) - 1) * 4;
                    BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(offset), extremes[random.Next(extremes.Length)]);
                }

                break;
        }

        if (random.Next(2) == 0 && file.Length >= 32)
        {
            EpbContainer.Reseal(file);
        }

        return file;
    }
}
