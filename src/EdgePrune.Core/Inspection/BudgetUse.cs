namespace EdgePrune.Core.Inspection;

/// <summary>How much of one memory budget (flash or RAM) a model uses.</summary>
/// <param name="Resource">"flash" or "ram".</param>
public sealed record BudgetUse(string Resource, long UsedBytes, long BudgetBytes)
{
    public bool Fits => UsedBytes <= BudgetBytes;

    /// <summary>Budget minus use: what is left when it fits, negative by the excess when it does not.</summary>
    public long HeadroomBytes => BudgetBytes - UsedBytes;

    /// <summary>Use divided by budget: 0.5 = half the budget, 3.0 = three times over.</summary>
    public double Factor => (double)UsedBytes / BudgetBytes;
}
