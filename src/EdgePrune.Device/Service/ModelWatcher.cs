using EdgePrune.Device.Models;
using EdgePrune.Sensors.Inference;
using Microsoft.Extensions.Logging;

namespace EdgePrune.Device.Service;

/// <summary>
/// Hot reload: watches the model file; when it changes (written in place, or a new file renamed over it) and has
/// settled for <see cref="SettleTime"/>, reads it, validates it fully (format, CRCs, shapes, labels, window spec, a
/// test run) and only then swaps it in between two windows. A file that fails is refused with one warning per
/// distinct content, and the running model stays. Owns a <see cref="FileSystemWatcher"/>; dispose it.
/// </summary>
public sealed class ModelWatcher : IDisposable
{
    private readonly string _path;
    private readonly SwappableClassifier _target;
    private readonly Func<byte[], string, IWindowClassifier> _load;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher _watcher;
    private readonly Lock _gate = new();
    private readonly Timer _settle;
    // The last content judged, compared byte for byte: a hash would pull in OpenSSL, which a minimal board image
    // (and qemu-aarch64 in CI) may not have.
    private byte[] _lastContent;

    public ModelWatcher(string path, SwappableClassifier target, Func<byte[], string, IWindowClassifier> load, ILogger logger)
    {
        _path = Path.GetFullPath(path);
        _target = target;
        _load = load;
        _logger = logger;
        _lastContent = File.ReadAllBytes(_path);
        _settle = new Timer(_ => Reload(), null, Timeout.Infinite, Timeout.Infinite);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!, Path.GetFileName(_path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => Touched();
        _watcher.Created += (_, _) => Touched();
        _watcher.Renamed += (_, e) =>
        {
            if (string.Equals(e.FullPath, _path, StringComparison.Ordinal))
            {
                Touched();
            }
        };
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Quiet time after the last change before the file is read, so a copy still in progress is not judged.</summary>
    public static TimeSpan SettleTime { get; } = TimeSpan.FromMilliseconds(200);

    public int Refused { get; private set; }

    public int Reloaded { get; private set; }

    public void Dispose()
    {
        _watcher.Dispose();
        _settle.Dispose();
    }

    private void Touched() => _settle.Change(SettleTime, Timeout.InfiniteTimeSpan);

    private void Reload()
    {
        lock (_gate)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(_path);
            }
            catch (IOException e)
            {
                // Still being replaced (or gone for a moment): the next change event tries again.
                _logger.LogDebug("model file {Path} not readable yet: {Error}", _path, e.Message);
                return;
            }
            catch (UnauthorizedAccessException e)
            {
                _logger.LogDebug("model file {Path} not readable yet: {Error}", _path, e.Message);
                return;
            }

            if (bytes.AsSpan().SequenceEqual(_lastContent))
            {
                return;
            }

            _lastContent = bytes;
            try
            {
                var next = _load(bytes, _path);
                var previous = _target.Swap(next, _path);
                (previous as IDisposable)?.Dispose();
                Reloaded++;
                _logger.LogInformation("model reloaded from {Path} ({Bytes} bytes); windows continue without a break", _path, bytes.Length);
            }
            catch (DeviceConfigException e)
            {
                Refused++;
                _logger.LogWarning("model file changed but was refused, the running model stays: {Reason}", e.Message);
            }
        }
    }
}
