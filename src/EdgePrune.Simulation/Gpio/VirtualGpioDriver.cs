using System.Device.Gpio;

namespace EdgePrune.Simulation.Gpio;

/// <summary>One change of a pin's level, as the virtual board saw it.</summary>
public readonly record struct PinChange(int Pin, PinValue Value, TimeSpan Time);

/// <summary>
/// A GPIO chip in memory for the production <see cref="GpioController"/> (<c>new GpioController(driver)</c>):
/// outputs are recorded with the time they changed (from the injected clock) so a test can assert the pin history;
/// inputs can be driven by the test with <see cref="SetInput"/>, which raises the registered edge callbacks.
/// </summary>
public sealed class VirtualGpioDriver : GpioDriver
{
    private readonly object _gate = new();
    private readonly TimeProvider _clock;
    private readonly long _start;
    private readonly int _pinCount;
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _values = [];
    private readonly Dictionary<int, List<(PinEventTypes Types, PinChangeEventHandler Handler)>> _callbacks = [];
    private readonly List<PinChange> _history = [];

    public VirtualGpioDriver(TimeProvider clock, int pinCount = 28)
    {
        _clock = clock;
        _start = clock.GetTimestamp();
        _pinCount = pinCount;
    }

    protected override int PinCount => _pinCount;

    /// <summary>Every level change of every output pin, in order.</summary>
    public IReadOnlyList<PinChange> History
    {
        get { lock (_gate) { return _history.ToArray(); } }
    }

    public IReadOnlyList<PinChange> HistoryOf(int pin) => History.Where(change => change.Pin == pin).ToArray();

    public bool IsOpen(int pin)
    {
        lock (_gate) { return _modes.ContainsKey(pin); }
    }

    /// <summary>Drives an input pin from outside (a button, a sensor's interrupt line).</summary>
    public void SetInput(int pin, PinValue value)
    {
        List<(PinEventTypes Types, PinChangeEventHandler Handler)> handlers;
        PinValue previous;
        lock (_gate)
        {
            RequireOpen(pin);
            previous = _values.GetValueOrDefault(pin, PinValue.Low);
            _values[pin] = value;
            handlers = _callbacks.TryGetValue(pin, out var list) ? [.. list] : [];
        }

        if (previous == value)
        {
            return;
        }

        PinEventTypes edge = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
        foreach (var (types, handler) in handlers)
        {
            if ((types & edge) != 0)
            {
                handler(this, new PinValueChangedEventArgs(edge, pin));
            }
        }
    }

    protected override void OpenPin(int pinNumber)
    {
        lock (_gate)
        {
            if (pinNumber < 0 || pinNumber >= _pinCount)
            {
                throw new ArgumentOutOfRangeException(nameof(pinNumber), $"GPIO {pinNumber} does not exist on this board (0..{_pinCount - 1}).");
            }

            _modes[pinNumber] = PinMode.Input;
            _values.TryAdd(pinNumber, PinValue.Low);
        }
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (_gate)
        {
            _modes.Remove(pinNumber);
            _callbacks.Remove(pinNumber);
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_gate)
        {
            RequireOpen(pinNumber);
            _modes[pinNumber] = mode;
            if (mode == PinMode.InputPullUp)
            {
                _values[pinNumber] = PinValue.High;
            }
        }
    }

    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_gate)
        {
            RequireOpen(pinNumber);
            return _modes[pinNumber];
        }
    }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber)
    {
        lock (_gate)
        {
            RequireOpen(pinNumber);
            return _values[pinNumber];
        }
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_gate)
        {
            RequireOpen(pinNumber);
            if (_modes[pinNumber] != PinMode.Output)
            {
                throw new InvalidOperationException($"GPIO {pinNumber} is not an output (mode {_modes[pinNumber]}).");
            }

            if (_values[pinNumber] == value && _history.Any(change => change.Pin == pinNumber))
            {
                return;
            }

            _values[pinNumber] = value;
            _history.Add(new PinChange(pinNumber, value, _clock.GetElapsedTime(_start)));
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        using var signalled = new ManualResetEventSlim();
        PinEventTypes seen = PinEventTypes.None;
        PinChangeEventHandler handler = (_, args) =>
        {
            seen = args.ChangeType;
            signalled.Set();
        };
        AddCallbackForPinValueChangedEvent(pinNumber, eventTypes, handler);
        try
        {
            signalled.Wait(cancellationToken);
            return new WaitForEventResult { EventTypes = seen, TimedOut = false };
        }
        catch (OperationCanceledException)
        {
            return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
        }
        finally
        {
            RemoveCallbackForPinValueChangedEvent(pinNumber, handler);
        }
    }

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            RequireOpen(pinNumber);
            if (!_callbacks.TryGetValue(pinNumber, out var list))
            {
                _callbacks[pinNumber] = list = [];
            }

            list.Add((eventTypes, callback));
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            if (_callbacks.TryGetValue(pinNumber, out var list))
            {
                list.RemoveAll(entry => entry.Handler == callback);
            }
        }
    }

    private void RequireOpen(int pin)
    {
        if (!_modes.ContainsKey(pin))
        {
            throw new InvalidOperationException($"GPIO {pin} is not open.");
        }
    }
}
