using System.Numerics;
using EdgePrune.Simulation.Bus;
using EdgePrune.Simulation.Chips.Mpu6050;
using EdgePrune.Simulation.Signals;
using EdgePrune.Simulation.Time;
using Iot.Device.Imu;

namespace EdgePrune.Sensors.Tests.Simulation;

public class Mpu6050ChipTests
{
    // The driver turns g into m/s² with this constant (its own, not the CODATA 9.80665).
    private const double DriverGravity = 9.807;

    [Fact]
    public void Production_driver_starts_up_configures_and_burst_reads()
    {
        var chip = new Mpu6050Chip(SettableSignal(), new VirtualTimeProvider()) { Traffic = new BusTrafficLog() };
        using var driver = new Mpu6050(chip);

        var log = chip.Traffic!.Transactions;
        Assert.Contains(log, t => !t.IsRead && t.Address == 0x6B && t.Data.SequenceEqual(new byte[] { 0x80 }));
        Assert.Contains(log, t => t.IsRead && t.Address == 0x75 && t.Data.SequenceEqual(new byte[] { 0x68 }));
        Assert.False(chip.IsSleeping);
        driver.GetAccelerometer();
        Assert.Contains(chip.Traffic.Transactions, t => t.IsRead && t.Address == 0x3B && t.Data.Length == 6);
    }

    [Fact]
    public void Driver_refuses_a_chip_with_the_wrong_identity()
    {
        var chip = new Mpu9250ChipAsWrongIdentity();
        Assert.Throws<IOException>(() => new Mpu6050(chip));
    }

    public static TheoryData<AccelerometerRange, GyroscopeRange> Ranges()
    {
        var data = new TheoryData<AccelerometerRange, GyroscopeRange>();
        foreach (var accel in Enum.GetValues<AccelerometerRange>())
        {
            foreach (var gyro in Enum.GetValues<GyroscopeRange>())
            {
                data.Add(accel, gyro);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Ranges))]
    public void Readings_match_the_fed_values_within_one_lsb_for_every_range(AccelerometerRange accelRange, GyroscopeRange gyroRange)
    {
        var signal = SettableSignal();
        var chip = new Mpu6050Chip(signal, new VirtualTimeProvider());
        using var driver = new Mpu6050(chip) { AccelerometerRange = accelRange, GyroscopeRange = gyroRange };
        double accelFullScale = 2 << (int)accelRange;
        double gyroFullScale = 250 << (int)gyroRange;
        var random = new Random(42 + (int)accelRange * 4 + (int)gyroRange);

        for (int trial = 0; trial < 20; trial++)
        {
            double[] fed = new double[6];
            for (int i = 0; i < 3; i++)
            {
                fed[i] = (random.NextDouble() * 2 - 1) * accelFullScale * 0.99;
                fed[3 + i] = (random.NextDouble() * 2 - 1) * gyroFullScale * 0.99;
            }

            signal.Set(fed);
            Vector3 accel = driver.GetAccelerometer();
            Vector3 gyro = driver.GetGyroscopeReading();

            // One LSB of the datasheet sensitivity (PS §6.2), plus the driver's scale (32768/FS) differing from the
            // datasheet gyro sensitivity (131, 65.5, 32.8, 16.4 LSB/(°/s)) by up to 0.1 % (32.8 vs 32.768 at ±1000 °/s).
            double accelLsbG = accelFullScale / 32768.0;
            double gyroLsb = gyroFullScale / 32768.0;
            AssertClose(fed[0] * DriverGravity, accel.X, accelLsbG * DriverGravity);
            AssertClose(fed[1] * DriverGravity, accel.Y, accelLsbG * DriverGravity);
            AssertClose(fed[2] * DriverGravity, accel.Z, accelLsbG * DriverGravity);
            AssertClose(fed[3], gyro.X, gyroLsb + Math.Abs(fed[3]) * 0.0011);
            AssertClose(fed[4], gyro.Y, gyroLsb + Math.Abs(fed[4]) * 0.0011);
            AssertClose(fed[5], gyro.Z, gyroLsb + Math.Abs(fed[5]) * 0.0011);
        }
    }

    [Fact]
    public void Values_beyond_full_scale_saturate_like_the_adc()
    {
        var signal = new SettableSignal(5.0, -5.0, 0, 0, 0, 0);
        var chip = new Mpu6050Chip(signal, new VirtualTimeProvider());
        using var driver = new Mpu6050(chip);
        Vector3 accel = driver.GetAccelerometer();
        AssertClose(32767 * 2.0 / 32768 * DriverGravity, accel.X, 1e-3);
        AssertClose(-2.0 * DriverGravity, accel.Y, 1e-3);
    }

    [Fact]
    public void Output_follows_the_chip_sample_clock()
    {
        var clock = new VirtualTimeProvider();
        var chip = new Mpu6050Chip(new FunctionSignal(6, (t, d) => { d.Clear(); d[0] = t.TotalSeconds; }), clock);
        using var driver = new Mpu6050(chip);
        double before = driver.GetAccelerometer().X / DriverGravity;
        clock.Advance(TimeSpan.FromSeconds(1.5));
        double after = driver.GetAccelerometer().X / DriverGravity;
        AssertClose(1.5, after - before, 2.0 / 32768 + 1.0 / chip.OutputDataRateHz);
    }

    internal static SettableSignal SettableSignal() => new(0, 0, 1, 0, 0, 0);

    internal static void AssertClose(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected} ± {tolerance}, got {actual}");

    private sealed class Mpu9250ChipAsWrongIdentity() : Mpu6050Chip("MPU9250", SettableSignal(), new VirtualTimeProvider(), 1, 0x68)
    {
        protected override byte WhoAmI => 0x71;
    }
}
