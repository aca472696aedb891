using EdgePrune.Sensors.Sampling;
using EdgePrune.Sensors.Traces;
using EdgePrune.Sensors.Timing;
using EdgePrune.Simulation.Gestures;

namespace EdgePrune.Sensors.Tests.Simulation;

public class GestureTraceTests
{
    private static readonly SensorTrace Trace = GestureTraceGenerator.Generate(new GestureTraceOptions(Seed: 5, DurationSeconds: 120));

    private static IEnumerable<float[]> RowsOf(string label) => Trace.Rows.Where((_, i) => Trace.Labels![i] == label);

    private static double Std(IEnumerable<float[]> rows, int channel)
    {
        var values = rows.Select(r => (double)r[channel]).ToList();
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
    }

    [Fact]
    public void Same_seed_same_trace_other_seed_other_trace()
    {
        var again = GestureTraceGenerator.Generate(new GestureTraceOptions(Seed: 5, DurationSeconds: 120));
        var other = GestureTraceGenerator.Generate(new GestureTraceOptions(Seed: 6, DurationSeconds: 120));
        Assert.Equal(Trace.Rows.SelectMany(r => r), again.Rows.SelectMany(r => r));
        Assert.Equal(Trace.Labels, again.Labels);
        Assert.NotEqual(Trace.Rows[500], other.Rows[500]);
    }

    [Fact]
    public void Every_gesture_appears_and_idle_separates_them()
    {
        Assert.Equal(120 * 100, Trace.Count);
        Assert.Equal(GestureLabels.All.Order(), Trace.Labels!.Distinct().Order());
        for (int i = 1; i < Trace.Count; i++)
        {
            if (Trace.Labels![i] != Trace.Labels[i - 1])
            {
                Assert.True(Trace.Labels[i] == "idle" || Trace.Labels[i - 1] == "idle", $"gesture follows gesture at row {i}");
            }
        }
    }

    [Fact]
    public void Physics_gravity_at_rest_shake_energy_and_tilt_moving_gravity()
    {
        // At rest the accelerometer reads 1 g (gravity through the resting pose, plus bias and noise).
        double idleMagnitude = RowsOf("idle").Average(r => Math.Sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]));
        Assert.InRange(idleMagnitude, 0.93, 1.07);
        // A shake is a strong oscillation on x; idle barely moves.
        Assert.True(Std(RowsOf("shake"), 0) > 5 * Std(RowsOf("idle"), 0));
        // A tilt turns the board: the gravity components swing and the gyroscope sees tens of degrees per second.
        Assert.True(Std(RowsOf("tilt"), 2) > 3 * Std(RowsOf("idle"), 2));
        Assert.True(RowsOf("tilt").Max(r => Math.Max(Math.Abs(r[3]), Math.Abs(r[4]))) > 40);
        // A tap is a short spike on z well above 1 g.
        Assert.True(RowsOf("tap").Max(r => r[2]) > 1.8);
    }

    [Fact]
    public void Csv_round_trip_keeps_values_to_five_decimals_and_labels()
    {
        var writer = new StringWriter();
        Trace.Write(writer);
        var back = SensorTrace.Read(new StringReader(writer.ToString()), "memory");
        Assert.Equal(Trace.Channels, back.Channels);
        Assert.Equal(Trace.Labels, back.Labels);
        for (int i = 0; i < Trace.Count; i += 97)
        {
            Assert.Equal(Trace.Times[i], back.Times[i], 0.0000005);
            for (int c = 0; c < 6; c++)
            {
                Assert.Equal(Trace.Rows[i][c], back.Rows[i][c], 0.000005 + Math.Abs(Trace.Rows[i][c]) * 6e-8);
            }
        }
    }

    [Fact]
    public void Malformed_csv_is_refused_with_the_line_number()
    {
        var error = Assert.Throws<InvalidDataException>(() => SensorTrace.Read(new StringReader("time_s,ax,label\n0,1,idle\n0.01,abc,idle\n"), "t.csv"));
        Assert.Contains("t.csv:3: column 'ax' holds 'abc'", error.Message);
    }

    [Fact]
    public void Committed_traces_are_exactly_what_the_generator_makes()
    {
        string directory = RepositoryPaths.Devices("traces");
        var files = Directory.GetFiles(directory, "*.csv");
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            var committed = SensorTrace.Load(file);
            var header = committed.Comments[0];
            int seed = int.Parse(header.Split("seed=")[1].Split(' ')[0]);
            double duration = double.Parse(header.Split("duration_s=")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            var writer = new StringWriter { NewLine = "\n" };
            GestureTraceGenerator.Generate(new GestureTraceOptions(seed, duration)).Write(writer);
            Assert.True(writer.ToString() == File.ReadAllText(file), $"{Path.GetFileName(file)} differs from the generator's output; regenerate with devices/traces/generate.cs");
        }
    }

    [Fact]
    public async Task Trace_replay_on_simulated_time_returns_every_row_with_its_label_in_order()
    {
        var trace = GestureTraceGenerator.Generate(new GestureTraceOptions(Seed: 9, DurationSeconds: 4, RateHz: 50));
        var clock = new EdgePrune.Simulation.Time.VirtualTimeProvider();
        var sampler = new FixedRateSampler(new TraceSource(trace, clock), new SamplerOptions(50), clock);
        var frames = new List<SampleFrame>();
        await foreach (var record in sampler.RunAsync())
        {
            frames.Add(Assert.IsType<SampleFrame>(record));
        }

        Assert.Equal(trace.Count, frames.Count);
        for (int i = 0; i < trace.Count; i++)
        {
            Assert.Equal(trace.Rows[i], frames[i].Values);
            Assert.Equal(trace.Labels![i], frames[i].Label);
        }
    }

    [Fact]
    public async Task A_scaled_clock_at_10x_counts_ten_seconds_per_real_second_and_shortens_delays()
    {
        var clock = new ScaledTimeProvider(10);
        long start = clock.GetTimestamp();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(2), clock);
        watch.Stop();
        double simulated = clock.GetElapsedTime(start).TotalSeconds;
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.19, 1.0);
        Assert.InRange(simulated / watch.Elapsed.TotalSeconds, 9.0, 11.0);
    }
}
