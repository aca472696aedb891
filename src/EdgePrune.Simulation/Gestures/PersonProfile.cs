namespace EdgePrune.Simulation.Gestures;

/// <summary>
/// How one person performs the gestures and how they hold the board: amplitude and tempo, preferred axis signs,
/// the board's resting orientation, physiological tremor, and the sensor's own bias and noise on their unit.
/// </summary>
public sealed record PersonProfile(
    int Id,
    double AmplitudeScale,
    double TempoScale,
    double RestRollDegrees,
    double RestPitchDegrees,
    double TremorG,
    double AccelerometerNoiseG,
    double GyroscopeNoiseDps,
    double[] AccelerometerBiasG,
    double[] GyroscopeBiasDps,
    int Handedness)
{
    /// <summary>A plausible person drawn from <paramref name="random"/> (ranges from wrist-worn IMU studies: tempo ±25 %, amplitude ±30 %).</summary>
    public static PersonProfile Draw(Random random, int id) => new(
        id,
        AmplitudeScale: 0.7 + 0.6 * random.NextDouble(),
        TempoScale: 0.8 + 0.45 * random.NextDouble(),
        RestRollDegrees: -15 + 30 * random.NextDouble(),
        RestPitchDegrees: -15 + 30 * random.NextDouble(),
        TremorG: 0.002 + 0.006 * random.NextDouble(),
        // MPU-6050 PS §6.2: accelerometer noise 400 µg/√Hz, gyro 0.005 °/s/√Hz; at 100 Hz bandwidth plus handling.
        AccelerometerNoiseG: 0.004 + 0.006 * random.NextDouble(),
        GyroscopeNoiseDps: 0.05 + 0.3 * random.NextDouble(),
        AccelerometerBiasG: [Bias(random, 0.03), Bias(random, 0.03), Bias(random, 0.05)],
        GyroscopeBiasDps: [Bias(random, 2), Bias(random, 2), Bias(random, 2)],
        Handedness: random.Next(2) == 0 ? 1 : -1);

    private static double Bias(Random random, double limit) => limit * (2 * random.NextDouble() - 1);
}
