namespace EdgePrune.Device;

/// <summary>A config, model or command line the service cannot start with; the message says what to fix (printed as one line, exit 2).</summary>
public sealed class DeviceConfigException(string message, Exception? inner = null) : Exception(message, inner);
