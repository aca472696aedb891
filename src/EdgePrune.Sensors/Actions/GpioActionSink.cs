using System.Device.Gpio;
using EdgePrune.Sensors.Inference;

namespace EdgePrune.Sensors.Actions;

/// <summary>Which GPIO (BCM numbering) shows what: one LED per gesture class, an optional buzzer pulsed on each gesture start.</summary>
public sealed record GpioActionOptions(IReadOnlyDictionary<string, int> LedPins, int? BuzzerPin, TimeSpan BuzzerPulse);

/// <summary>
/// Drives LEDs and a buzzer through a <see cref="GpioController"/>: a gesture's LED is lit while the gesture is
/// active; the buzzer goes high at a gesture start and low <see cref="GpioActionOptions.BuzzerPulse"/> later (a
/// timer on the injected clock). A gap in the samples turns every LED off.
/// </summary>
public sealed class GpioActionSink : IOutputSink, IDisposable
{
    private readonly object _gate = new();
    private readonly GpioController _controller;
    private readonly GpioActionOptions _options;
    private readonly TimeProvider _clock;
    private ITimer? _buzzerTimer;

    public GpioActionSink(GpioController controller, GpioActionOptions options, TimeProvider clock)
    {
        _controller = controller;
        _options = options;
        _clock = clock;
        foreach (int pin in AllPins())
        {
            _controller.OpenPin(pin, PinMode.Output, PinValue.Low);
        }
    }

    public void Write(OutputRecord record)
    {
        lock (_gate)
        {
            switch (record)
            {
                case GestureRecord { Phase: GesturePhase.Start } start:
                    SetLed(start.Gesture, PinValue.High);
                    PulseBuzzer();
                    break;
                case GestureRecord { Phase: GesturePhase.End } end:
                    SetLed(end.Gesture, PinValue.Low);
                    break;
                case GapRecord:
                    foreach (int pin in _options.LedPins.Values)
                    {
                        _controller.Write(pin, PinValue.Low);
                    }

                    break;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _buzzerTimer?.Dispose();
            foreach (int pin in AllPins())
            {
                _controller.Write(pin, PinValue.Low);
                _controller.ClosePin(pin);
            }
        }
    }

    private void SetLed(string gesture, PinValue value)
    {
        if (_options.LedPins.TryGetValue(gesture, out int pin))
        {
            _controller.Write(pin, value);
        }
    }

    private void PulseBuzzer()
    {
        if (_options.BuzzerPin is not { } pin)
        {
            return;
        }

        _controller.Write(pin, PinValue.High);
        _buzzerTimer?.Dispose();
        _buzzerTimer = _clock.CreateTimer(_ =>
        {
            lock (_gate)
            {
                if (_controller.IsPinOpen(pin))
                {
                    _controller.Write(pin, PinValue.Low);
                }
            }
        }, null, _options.BuzzerPulse, Timeout.InfiniteTimeSpan);
    }

    private IEnumerable<int> AllPins() =>
        _options.BuzzerPin is { } buzzer ? _options.LedPins.Values.Append(buzzer).Distinct() : _options.LedPins.Values.Distinct();
}
