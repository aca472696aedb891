using EdgePrune.Core.Devices;

namespace EdgePrune.Core.Inspection;

/// <summary>Whether a model fits a device's model budgets.</summary>
/// <param name="Flash">Weight bytes plus <paramref name="RuntimeCodeBytes"/> against <see cref="DeviceProfile.ModelFlashBudgetBytes"/>.</param>
/// <param name="Ram">Peak arena bytes against <see cref="DeviceProfile.ModelRamBudgetBytes"/>.</param>
/// <param name="RuntimeCodeBytes">The C runtime's code for the graph's ops, included in the flash use (<see cref="RuntimeCode"/>).</param>
public sealed record DeviceFit(DeviceProfile Device, BudgetUse Flash, BudgetUse Ram, long RuntimeCodeBytes)
{
    public bool Fits => Flash.Fits && Ram.Fits;
}
