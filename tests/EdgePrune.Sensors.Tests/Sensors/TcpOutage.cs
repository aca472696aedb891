using System.Net;
using System.Net.Sockets;

namespace EdgePrune.Sensors.Tests.Sensors;

/// <summary>
/// A TCP forwarder in front of the broker that can cut every connection and refuse new ones (<see cref="Cut"/>) and
/// then accept again (<see cref="Restore"/>): to the sink it is the broker going away and coming back, while a
/// subscriber connected straight to the broker keeps seeing every message that arrives.
/// </summary>
internal sealed class TcpOutage : IDisposable
{
    private readonly int _targetPort;
    private readonly List<TcpClient> _connections = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _running;

    public TcpOutage(int targetPort)
    {
        _targetPort = targetPort;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Restore();
    }

    public int Port { get; }

    public void Restore()
    {
        _running = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        var listener = _listener;
        var token = _running.Token;
        _ = Task.Run(async () =>
        {
            while (!token.IsCancellationRequested)
            {
                TcpClient inbound;
                try
                {
                    inbound = await listener.AcceptTcpClientAsync(token);
                }
                catch (Exception)
                {
                    return;
                }

                var outbound = new TcpClient();
                await outbound.ConnectAsync(IPAddress.Loopback, _targetPort, token);
                lock (_connections)
                {
                    _connections.Add(inbound);
                    _connections.Add(outbound);
                }

                _ = Pump(inbound, outbound, token);
                _ = Pump(outbound, inbound, token);
            }
        }, token);
    }

    public void Cut()
    {
        _running?.Cancel();
        _listener?.Stop();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Close();
            }

            _connections.Clear();
        }
    }

    public void Dispose() => Cut();

    private static async Task Pump(TcpClient from, TcpClient to, CancellationToken token)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream(), token);
        }
        catch (Exception)
        {
        }
        finally
        {
            from.Close();
            to.Close();
        }
    }
}
