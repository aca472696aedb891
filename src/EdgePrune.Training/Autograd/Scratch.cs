namespace EdgePrune.Training.Autograd;

/// <summary>
/// Float buffers an engine lends to its rules for the length of one Forward or Backward call (nodes run one at a
/// time, so every node can use every slot). Each slot grows to the largest request and is kept, so steady-state
/// steps allocate nothing, and the memory held is what the hungriest node needs, not the sum over nodes.
/// </summary>
internal sealed class Scratch
{
    private float[][] _slots = [];

    /// <summary>Slot <paramref name="slot"/>, at least <paramref name="length"/> long; its contents are unspecified.</summary>
    public float[] Get(int slot, int length)
    {
        if (slot >= _slots.Length)
        {
            var grown = new float[slot + 1][];
            _slots.CopyTo(grown, 0);
            for (int i = _slots.Length; i < grown.Length; i++)
            {
                grown[i] = [];
            }

            _slots = grown;
        }

        if (_slots[slot].Length < length)
        {
            _slots[slot] = new float[length];
        }

        return _slots[slot];
    }
}
