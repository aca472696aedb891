namespace EdgePrune.Simulation.Signals;

/// <summary>Standard normal deviates from a seeded <see cref="Random"/> (Box–Muller), so noisy traces are reproducible.</summary>
public static class Gaussian
{
    public static double Next(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
