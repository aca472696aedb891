using System.Collections.Concurrent;
using System.Text;
using EdgePrune.Sensors.Actions;
using EdgePrune.Sensors.Inference;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgePrune.Sensors.Tests.Sensors;

public class MqttSinkTests
{
    private static GestureRecord Event(int i) => new(i * 0.1, i, "shake", GesturePhase.Start, 0.9f);

    /// <summary>A persistent-session subscriber: the broker keeps its QoS 1 messages while it is away (and across a broker restart).</summary>
    private static async Task<IMqttClient> Subscribe(int port, ConcurrentDictionary<long, int> received)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += args =>
        {
            var record = (GestureRecord)OutputRecord.FromJson(Encoding.UTF8.GetString(args.ApplicationMessage.Payload))!;
            received.AddOrUpdate(record.Window, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        };
        await ConnectSubscriber(client, port);
        return client;
    }

    private static async Task ConnectSubscriber(IMqttClient client, int port)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("edgeprune-test-subscriber")
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(false)
            .Build();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                await client.ConnectAsync(options);
                break;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }

        await client.SubscribeAsync("edgeprune/test/#", MqttQualityOfServiceLevel.AtLeastOnce);
    }

    private static async Task WaitFor(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Every_event_reaches_the_subscriber_when_the_connection_to_a_real_mosquitto_drops_and_returns()
    {
        using var broker = new MosquittoBroker();
        using var outage = new TcpOutage(broker.Port);
        var received = new ConcurrentDictionary<long, int>();
        using var subscriber = await Subscribe(broker.Port, received);
        var options = new MqttSinkOptions("127.0.0.1", outage.Port, "edgeprune-test-sink", "edgeprune/test")
        {
            QueueCapacity = 1000,
            InitialReconnectDelay = TimeSpan.FromMilliseconds(50),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(400),
        };
        await using var sink = new MqttSink(options);

        for (int i = 0; i < 100; i++)
        {
            sink.Write(Event(i));
        }

        Assert.True(await sink.FlushAsync(TimeSpan.FromSeconds(20)), "the first 100 events were not acknowledged");
        outage.Cut();
        for (int i = 100; i < 300; i++)
        {
            sink.Write(Event(i));
        }

        await Task.Delay(500);
        Assert.True(sink.Queued > 0, "events written while the broker is unreachable must wait in the queue");
        outage.Restore();

        Assert.True(await sink.FlushAsync(TimeSpan.FromSeconds(30)), $"queue not drained after the broker came back ({sink.Queued} left)");
        await WaitFor(() => received.Count == 300, TimeSpan.FromSeconds(20), $"all 300 events at the subscriber (missing {string.Join(",", Enumerable.Range(0, 300).Where(i => !received.ContainsKey(i)))})");
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), received.Keys.Order());
        Assert.Equal(0, sink.Dropped);
        Assert.True(sink.ConnectionLosses >= 1);
    }

    [Fact]
    public async Task The_sink_drains_its_queue_into_a_restarted_mosquitto()
    {
        using var broker = new MosquittoBroker();
        var options = new MqttSinkOptions("127.0.0.1", broker.Port, "edgeprune-test-restart", "edgeprune/test")
        {
            InitialReconnectDelay = TimeSpan.FromMilliseconds(50),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(400),
        };
        await using var sink = new MqttSink(options);
        sink.Write(Event(0));
        Assert.True(await sink.FlushAsync(TimeSpan.FromSeconds(20)));

        broker.Stop();
        for (int i = 1; i < 50; i++)
        {
            sink.Write(Event(i));
        }

        await Task.Delay(300);
        Assert.Equal(49, sink.Queued);
        broker.Start();
        var received = new ConcurrentDictionary<long, int>();
        using var subscriber = await Subscribe(broker.Port, received);
        sink.Write(Event(50));

        // The restarted broker acknowledged every queued event (QoS 1); the last one reaches a fresh subscriber.
        Assert.True(await sink.FlushAsync(TimeSpan.FromSeconds(30)), $"{sink.Queued} events still queued");
        Assert.True(sink.Published >= 51);
        await WaitFor(() => received.ContainsKey(50), TimeSpan.FromSeconds(20), "the event written after the restart");
    }

    [Fact]
    public async Task A_full_queue_drops_the_oldest_events_and_counts_them()
    {
        using var broker = new MosquittoBroker();
        broker.Stop();
        var options = new MqttSinkOptions("127.0.0.1", broker.Port, "edgeprune-test-dropper", "edgeprune/test")
        {
            QueueCapacity = 50,
            InitialReconnectDelay = TimeSpan.FromMilliseconds(50),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
        };
        await using var sink = new MqttSink(options);
        for (int i = 0; i < 80; i++)
        {
            sink.Write(Event(i));
        }

        Assert.Equal(30, sink.Dropped);
        Assert.Equal(50, sink.Queued);

        var received = new ConcurrentDictionary<long, int>();
        broker.Start();
        using var subscriber = await Subscribe(broker.Port, received);
        sink.Write(Event(80));
        Assert.True(await sink.FlushAsync(TimeSpan.FromSeconds(30)));
        await WaitFor(() => received.ContainsKey(80), TimeSpan.FromSeconds(20), "the event written after the restart");
        // The 30 oldest were dropped; events 30..79 were queued and may have been published before the subscriber came back.
        Assert.DoesNotContain(received.Keys, window => window < 30);
    }
}
