using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgePrune.Sensors.Tests.Sensors;

/// <summary>
/// A real mosquitto broker on 127.0.0.1 and a free port, with persistence in a temporary folder, so a test can stop
/// it (SIGTERM: it saves sessions) and start it again on the same port. Needs the Debian package <c>mosquitto</c>.
/// </summary>
internal sealed class MosquittoBroker : IDisposable
{
    private readonly string _directory;
    private readonly string _config;
    private Process? _process;

    public MosquittoBroker()
    {
        Executable = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("mosquitto is not installed: run 'apt-get install -y mosquitto' (CI's .ci/run installs it).");
        Port = FreePort();
        _directory = Directory.CreateTempSubdirectory("edgeprune-mosquitto-").FullName;
        _config = Path.Combine(_directory, "mosquitto.conf");
        File.WriteAllText(_config, $"""
            listener {Port} 127.0.0.1
            allow_anonymous true
            persistence true
            persistence_location {_directory}/
            autosave_interval 1
            """.Replace("            ", ""));
        Start();
    }

    public string Executable { get; }

    public int Port { get; }

    public void Start()
    {
        _process = Process.Start(new ProcessStartInfo(Executable, ["-c", _config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("mosquitto did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"mosquitto exited with code {_process.ExitCode} on port {Port}.");
                }

                Thread.Sleep(20);
            }
        }

        throw new TimeoutException($"mosquitto did not listen on 127.0.0.1:{Port} within 10 s.");
    }

    /// <summary>Stops the broker gracefully (SIGTERM), as a broker restart or a network drop would look to clients.</summary>
    public void Stop()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
        if (!_process.WaitForExit(5000))
        {
            _process.Kill();
        }

        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        try
        {
            if (_process is { HasExited: false })
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        finally
        {
            _process?.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
