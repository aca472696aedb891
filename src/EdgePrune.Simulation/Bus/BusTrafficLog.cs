namespace EdgePrune.Simulation.Bus;

/// <summary>One bus transaction as the chip saw it: a write (pointer + data) or a read starting at an address.</summary>
public readonly record struct BusTransaction(bool IsRead, byte Address, byte[] Data)
{
    public override string ToString() =>
        $"{(IsRead ? "R" : "W")} 0x{Address:X2} [{Convert.ToHexString(Data)}]";
}

/// <summary>Records the register traffic between a driver and an emulated chip, to see what the driver really does.</summary>
public sealed class BusTrafficLog
{
    private readonly List<BusTransaction> _transactions = [];

    public IReadOnlyList<BusTransaction> Transactions
    {
        get { lock (_transactions) { return _transactions.ToArray(); } }
    }

    public void Add(BusTransaction transaction)
    {
        lock (_transactions) { _transactions.Add(transaction); }
    }

    public override string ToString() => string.Join(Environment.NewLine, Transactions);
}
