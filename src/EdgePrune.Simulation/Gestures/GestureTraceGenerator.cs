using System.Globalization;
using EdgePrune.Sensors.Traces;
using EdgePrune.Simulation.Signals;

namespace EdgePrune.Simulation.Gestures;

/// <summary>What to generate. Same options, same trace: everything random comes from <see cref="Seed"/>.</summary>
public sealed record GestureTraceOptions(int Seed, double DurationSeconds, double RateHz = 100)
{
    /// <summary>Idle time between gestures, in seconds (drawn uniformly).</summary>
    public double MinIdleSeconds { get; init; } = 0.8;

    public double MaxIdleSeconds { get; init; } = 2.0;

    /// <summary>Who performs them; null draws a person from the seed.</summary>
    public PersonProfile? Person { get; init; }
}

/// <summary>
/// Seeded synthetic wrist/handheld IMU traces: channels ax, ay, az (g) and gx, gy, gz (°/s) at a fixed rate, with a
/// ground-truth label per sample. Idle stretches alternate with gestures drawn in shuffled rounds of shake, circle,
/// tap and tilt. The physics is simple but the ingredients a classifier must cope with are there: gravity seen
/// through the board's orientation (so a tilt moves it between axes), per-person amplitude, tempo, handedness and
/// resting pose, physiological tremor, sensor bias and white noise.
/// </summary>
public static class GestureTraceGenerator
{
    public static readonly string[] Channels = ["ax", "ay", "az", "gx", "gy", "gz"];

    public static SensorTrace Generate(GestureTraceOptions options)
    {
        if (!(options.RateHz > 0) || !(options.DurationSeconds > 0) || options.MinIdleSeconds > options.MaxIdleSeconds)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options, "Rate and duration must be positive and the idle range ordered.");
        }

        var random = new Random(options.Seed);
        var person = options.Person ?? PersonProfile.Draw(random, options.Seed);
        var segments = Plan(random, person, options);
        var noise = new Random(unchecked(options.Seed * 7919 + 1));
        int count = (int)Math.Floor(options.DurationSeconds * options.RateHz);
        var times = new double[count];
        var rows = new float[count][];
        var labels = new string[count];
        int segment = 0;
        for (int i = 0; i < count; i++)
        {
            double t = i / options.RateHz;
            while (segment < segments.Count - 1 && t >= segments[segment].End)
            {
                segment++;
            }

            var current = segments[segment];
            times[i] = t;
            labels[i] = GestureLabels.Name(current.Kind);
            rows[i] = Sample(t, current, person, noise);
        }

        string[] comments =
        [
            $"EdgePrune gesture trace: seed={options.Seed.ToString(CultureInfo.InvariantCulture)} person={person.Id} rate_hz={options.RateHz.ToString(CultureInfo.InvariantCulture)} duration_s={options.DurationSeconds.ToString(CultureInfo.InvariantCulture)}",
            "units: ax ay az in g, gx gy gz in deg/s; label = ground truth (idle, shake, circle, tap, tilt)",
        ];
        return new SensorTrace(Channels, times, rows, labels, comments);
    }

    private sealed record Segment(GestureKind Kind, double Start, double End, double[] P);

    private static List<Segment> Plan(Random random, PersonProfile person, GestureTraceOptions options)
    {
        var segments = new List<Segment>();
        var round = new List<GestureKind>();
        double t = 0;
        while (t < options.DurationSeconds)
        {
            double idle = options.MinIdleSeconds + (options.MaxIdleSeconds - options.MinIdleSeconds) * random.NextDouble();
            segments.Add(new Segment(GestureKind.Idle, t, t + idle, [random.NextDouble() * 2 * Math.PI, 8 + 4 * random.NextDouble()]));
            t += idle;
            if (round.Count == 0)
            {
                round = [GestureKind.Shake, GestureKind.Circle, GestureKind.Tap, GestureKind.Tilt];
                Shuffle(round, random);
            }

            var kind = round[^1];
            round.RemoveAt(round.Count - 1);
            var (duration, parameters) = Draw(kind, random, person);
            segments.Add(new Segment(kind, t, t + duration, parameters));
            t += duration;
        }

        return segments;
    }

    private static void Shuffle(List<GestureKind> list, Random random)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    /// <summary>One gesture instance: its duration and shape parameters (meaning per kind, see <see cref="Motion"/>).</summary>
    private static (double Duration, double[] Parameters) Draw(GestureKind kind, Random random, PersonProfile person)
    {
        double tempo = person.TempoScale * (0.9 + 0.2 * random.NextDouble());
        double amplitude = person.AmplitudeScale * (0.85 + 0.3 * random.NextDouble());
        switch (kind)
        {
            case GestureKind.Shake:
                // frequency Hz, amplitude g, yaw swing °, axis mix
                return ((1.0 + 0.8 * random.NextDouble()) / tempo, [(3.5 + 2 * random.NextDouble()) * tempo, (1.0 + random.NextDouble()) * amplitude, 10 + 15 * random.NextDouble(), 0.2 * random.NextDouble()]);
            case GestureKind.Circle:
                // revolutions per second, radius m, phase, direction, wrist swing °
                double revolutions = 1 + random.Next(2);
                double rate = (0.8 + 0.6 * random.NextDouble()) * tempo;
                return (revolutions / rate, [rate, (0.10 + 0.10 * random.NextDouble()) * amplitude, random.NextDouble() * 2 * Math.PI, person.Handedness, 5 + 5 * random.NextDouble()]);
            case GestureKind.Tap:
                // peak g, decay s, ring Hz, second tap (0/1), tap time offset s, gyro jolt °/s
                return ((0.5 + 0.3 * random.NextDouble()) / tempo, [(1.5 + 1.5 * random.NextDouble()) * amplitude, 0.015 + 0.015 * random.NextDouble(), 25 + 15 * random.NextDouble(), random.Next(2), 0.12 + 0.08 * random.NextDouble(), 20 + 40 * random.NextDouble()]);
            default:
                // ramp s, hold s, angle °, axis (0 roll, 1 pitch)
                double ramp = (0.3 + 0.2 * random.NextDouble()) / tempo;
                double hold = (0.4 + 0.4 * random.NextDouble()) / tempo;
                double angle = (30 + 40 * random.NextDouble()) * (random.Next(2) == 0 ? 1 : -1) * Math.Clamp(amplitude, 0.8, 1.2);
                return (2 * ramp + hold, [ramp, hold, angle, random.Next(2)]);
        }
    }

    private static float[] Sample(double t, Segment segment, PersonProfile person, Random noise)
    {
        const double h = 1e-3;
        var (accel, angles) = Motion(t, segment, person);
        var (_, before) = Motion(t - h, segment, person);
        var (_, after) = Motion(t + h, segment, person);
        double roll = angles[0] * Math.PI / 180, pitch = angles[1] * Math.PI / 180;
        // Gravity as an accelerometer at rest reads it, for roll φ about x and pitch θ about y.
        double[] gravity = [-Math.Sin(pitch), Math.Sin(roll) * Math.Cos(pitch), Math.Cos(roll) * Math.Cos(pitch)];
        var row = new float[6];
        for (int axis = 0; axis < 3; axis++)
        {
            row[axis] = (float)(gravity[axis] + accel[axis] + person.AccelerometerBiasG[axis] + person.AccelerometerNoiseG * Gaussian.Next(noise));
            // Body rates ≈ Euler-angle rates for the small tilts of a held board.
            double rate = (after[axis] - before[axis]) / (2 * h);
            row[3 + axis] = (float)(rate + person.GyroscopeBiasDps[axis] + person.GyroscopeNoiseDps * Gaussian.Next(noise));
        }

        return row;
    }

    /// <summary>Linear acceleration (g, board axes) and orientation (roll, pitch, yaw in °) at time t.</summary>
    private static (double[] Accel, double[] Angles) Motion(double t, Segment s, PersonProfile person)
    {
        double local = t - s.Start;
        double length = s.End - s.Start;
        double[] p = s.P;
        // Physiological tremor (8–12 Hz) and breathing sway (0.25 Hz) are always there.
        double tremor = person.TremorG * Math.Sin(2 * Math.PI * 10 * t + person.Id);
        double[] accel = [tremor, 0.7 * tremor, 0.5 * tremor];
        double[] angles = [person.RestRollDegrees + 0.8 * Math.Sin(2 * Math.PI * 0.25 * t), person.RestPitchDegrees + 0.6 * Math.Sin(2 * Math.PI * 0.25 * t + 1), 0];
        switch (s.Kind)
        {
            case GestureKind.Shake:
            {
                double envelope = Hann(local, length);
                double wave = Math.Sin(2 * Math.PI * p[0] * local);
                accel[0] += p[1] * envelope * wave * (1 - p[3]);
                accel[1] += p[1] * envelope * wave * p[3] * person.Handedness;
                angles[2] += p[2] * envelope * Math.Sin(2 * Math.PI * p[0] * local + Math.PI / 2);
                break;
            }

            case GestureKind.Circle:
            {
                double omega = 2 * Math.PI * p[0];
                double magnitude = omega * omega * p[1] / 9.80665;
                double taper = Taper(local, length, 0.15);
                double phase = omega * local * p[3] + p[2];
                accel[0] += -magnitude * taper * Math.Cos(phase);
                accel[2] += -magnitude * taper * Math.Sin(phase);
                angles[0] += p[4] * taper * Math.Sin(phase);
                angles[1] += p[4] * taper * Math.Cos(phase);
                break;
            }

            case GestureKind.Tap:
            {
                int taps = 1 + (int)p[3];
                for (int k = 0; k < taps; k++)
                {
                    double since = local - p[4] - k * 0.18;
                    // A small lift before contact, then the damped ring of the impact (mostly on z).
                    accel[2] -= 0.15 * Math.Exp(-Math.Pow((since + 0.08) / 0.04, 2));
                    if (since >= 0)
                    {
                        double ring = p[0] * Math.Exp(-since / p[1]) * Math.Cos(2 * Math.PI * p[2] * since);
                        accel[2] += ring;
                        accel[0] += 0.2 * ring;
                        angles[0] += p[5] * p[1] * Math.Exp(-since / p[1]) * Math.Sin(2 * Math.PI * p[2] * since) * 0.05;
                    }
                }

                break;
            }

            case GestureKind.Tilt:
            {
                double ramp = p[0], hold = p[1];
                double fraction = local < ramp ? SmoothStep(local / ramp)
                    : local < ramp + hold ? 1
                    : 1 - SmoothStep((local - ramp - hold) / ramp);
                angles[(int)p[3]] += p[2] * fraction;
                break;
            }

            default:
                // Idle: a hand at rest still drifts a little (p[1] Hz sway on yaw).
                angles[2] += 1.5 * Math.Sin(2 * Math.PI * 0.1 * t + p[0]);
                break;
        }

        return (accel, angles);
    }

    private static double Hann(double t, double length) =>
        t <= 0 || t >= length ? 0 : 0.5 - 0.5 * Math.Cos(2 * Math.PI * t / length);

    private static double Taper(double t, double length, double edge) =>
        t <= 0 || t >= length ? 0 : Math.Min(1, Math.Min(SmoothStep(t / edge), SmoothStep((length - t) / edge)));

    private static double SmoothStep(double x)
    {
        x = Math.Clamp(x, 0, 1);
        return x * x * (3 - 2 * x);
    }
}
