using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgePrune.Sensors.Actions;

/// <summary>Where and how to publish. Topics are <c>{TopicPrefix}/{type}</c>, e.g. <c>edgeprune/pi4/gesture</c>.</summary>
public sealed record MqttSinkOptions(string Host, int Port, string ClientId, string TopicPrefix)
{
    /// <summary>Records kept while the broker is unreachable; when full, the oldest is dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 10_000;

    public TimeSpan InitialReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Also publish <see cref="WindowRecord"/>s (one per window: chatty, off by default).</summary>
    public bool PublishWindows { get; init; }
}

/// <summary>
/// Publishes records to an MQTT broker with QoS 1 (at least once) from a bounded in-memory queue. <see cref="Write"/>
/// never blocks on the network: a background loop connects, reconnects with back-off after the broker goes away,
/// and removes a record from the queue only once the broker acknowledged it, so no record is lost while the queue
/// has room (a record in flight when the connection dropped may arrive twice). When the queue is full the oldest
/// record is dropped and <see cref="Dropped"/> counts it. Owns its client and loop; dispose to stop them.
/// </summary>
public sealed class MqttSink : IOutputSink, IAsyncDisposable
{
    private readonly MqttSinkOptions _options;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly LinkedList<(string Topic, byte[] Payload)> _queue = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _published;
    private long _dropped;
    private long _connectionLosses;

    public MqttSink(MqttSinkOptions options, ILogger? logger = null)
    {
        if (options.QueueCapacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.QueueCapacity, "The MQTT queue needs room for at least one record.");
        }

        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _client = new MqttClientFactory().CreateMqttClient();
        _loop = Task.Run(() => PublishLoopAsync(_stop.Token));
    }

    public long Published => Interlocked.Read(ref _published);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long ConnectionLosses => Interlocked.Read(ref _connectionLosses);

    public int Queued
    {
        get { lock (_queue) { return _queue.Count; } }
    }

    public bool IsConnected => _client.IsConnected;

    public void Write(OutputRecord record)
    {
        if (record is WindowRecord && !_options.PublishWindows)
        {
            return;
        }

        string type = record switch
        {
            GestureRecord => "gesture",
            GapRecord => "gap",
            WindowRecord => "window",
            HealthRecord => "health",
            _ => "record",
        };
        var message = ($"{_options.TopicPrefix}/{type}", Encoding.UTF8.GetBytes(record.ToJson()));
        lock (_queue)
        {
            if (_queue.Count >= _options.QueueCapacity)
            {
                _queue.RemoveFirst();
                Interlocked.Increment(ref _dropped);
            }

            _queue.AddLast(message);
        }

        _available.Release();
    }

    /// <summary>Waits until every queued record has been acknowledged, or the timeout passes (returns false then).</summary>
    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (Queued > 0)
        {
            try
            {
                await Task.Delay(10, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        if (_client.IsConnected)
        {
            await _client.TryDisconnectAsync();
        }

        _client.Dispose();
        _stop.Dispose();
        _available.Dispose();
    }

    private async Task PublishLoopAsync(CancellationToken stop)
    {
        TimeSpan delay = _options.InitialReconnectDelay;
        bool wasConnected = false;
        while (!stop.IsCancellationRequested)
        {
            (string Topic, byte[] Payload) next;
            lock (_queue)
            {
                next = _queue.Count > 0 ? _queue.First!.Value : default;
            }

            if (next.Topic is null)
            {
                await _available.WaitAsync(TimeSpan.FromMilliseconds(200), stop).ConfigureAwait(false);
                continue;
            }

            try
            {
                if (!_client.IsConnected)
                {
                    if (wasConnected)
                    {
                        Interlocked.Increment(ref _connectionLosses);
                        _logger.LogWarning("MQTT broker {Host}:{Port} went away; {Queued} records queued", _options.Host, _options.Port, Queued);
                        wasConnected = false;
                    }

                    await ConnectAsync(stop).ConfigureAwait(false);
                    wasConnected = true;
                    delay = _options.InitialReconnectDelay;
                    _logger.LogInformation("MQTT connected to {Host}:{Port}", _options.Host, _options.Port);
                }

                var message = new MqttApplicationMessageBuilder()
                    .WithTopic(next.Topic)
                    .WithPayload(next.Payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                var result = await _client.PublishAsync(message, timeout.Token).ConfigureAwait(false);
                if (!result.IsSuccess)
                {
                    throw new IOException($"broker refused the message on {next.Topic}: {result.ReasonCode} {result.ReasonString}");
                }

                lock (_queue)
                {
                    // Only the head can have been sent; drop-oldest may have removed it meanwhile.
                    if (_queue.Count > 0 && ReferenceEquals(_queue.First!.Value.Payload, next.Payload))
                    {
                        _queue.RemoveFirst();
                    }
                }

                Interlocked.Increment(ref _published);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                _logger.LogDebug("MQTT publish failed, retrying in {Delay}: {Error}", delay, error.Message);
                try
                {
                    await Task.Delay(delay, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
            }
        }
    }

    private async Task ConnectAsync(CancellationToken stop)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_options.ClientId)
            .WithTimeout(TimeSpan.FromSeconds(3))
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(5))
            .Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        await _client.ConnectAsync(options, timeout.Token).ConfigureAwait(false);
    }
}
