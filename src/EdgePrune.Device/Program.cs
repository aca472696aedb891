using EdgePrune.Device;

return await DeviceCommandLine.RunAsync(args, Console.OpenStandardOutput(), Console.Error);
