using EdgePrune.Sensors.Wiring;

namespace EdgePrune.Sensors.Tests.Sensors;

public class WiringTests
{
    [Theory]
    [InlineData("pi4-gesture.json", "raspberry-pi-4", "mpu6050")]
    [InlineData("pi-zero-2w-gesture.json", "raspberry-pi-zero-2w", "adxl345")]
    public void Committed_wiring_files_load_and_name_an_existing_device_profile(string file, string board, string gestureChip)
    {
        var config = WiringConfig.Load(RepositoryPaths.Devices("wiring", file));
        Assert.Equal(board, config.Board);
        Assert.Equal(gestureChip, config.GestureSensorWiring.Chip);
        Assert.True(File.Exists(RepositoryPaths.Devices(board + ".json")), $"devices/{board}.json is missing");
    }

    private const string Valid = """
        { "board": "raspberry-pi-4", "sampleRateHz": 100, "gestureSensor": "imu",
          "sensors": [ { "name": "imu", "chip": "mpu6050", "bus": "i2c", "busId": 1, "address": "0x68" } ],
          "outputs": { "leds": { "shake": 5 } } }
        """;

    [Theory]
    [InlineData("\"address\": \"0x68\"", "\"address\": \"0x50\"", "sensors[0] ('imu').address: '0x50' is not an address a mpu6050 can take; use one of 0x68, 0x69.")]
    [InlineData("\"chip\": \"mpu6050\"", "\"chip\": \"lis3dh\"", "sensors[0] ('imu').chip: 'lis3dh' is not supported")]
    [InlineData("\"bus\": \"i2c\"", "\"bus\": \"spi\"", "sensors[0] ('imu').bus: mpu6050 is wired on 'i2c'")]
    [InlineData("\"sampleRateHz\": 100", "\"sampleRateHz\": 5000", "sampleRateHz: 5000 Hz is faster than the mpu6050 can deliver (1000 Hz).")]
    [InlineData("\"shake\": 5", "\"shake\": 3", "outputs.leds.shake: GPIO 3 is I2C1's SDA/SCL")]
    [InlineData("\"shake\": 5", "\"shake\": 40", "outputs.leds.shake: GPIO 40 is not on the 40-pin header")]
    [InlineData("\"gestureSensor\": \"imu\"", "\"gestureSensor\": \"accel\"", "gestureSensor: 'accel' is not the name of a sensor")]
    [InlineData("\"busId\": 1,", "\"busId\": 1, \"adress\": \"0x68\",", "adress")]
    public void Invalid_wiring_is_refused_with_the_path_and_the_fix(string find, string replace, string expected)
    {
        var error = Assert.Throws<WiringException>(() => WiringConfig.Parse(Valid.Replace(find, replace), "test.json"));
        Assert.Contains(expected, error.Message);
        Assert.StartsWith("test.json:", error.Message);
    }

    [Fact]
    public void Two_chips_at_one_address_and_one_pin_used_twice_are_both_reported()
    {
        string json = """
            { "board": "b", "sampleRateHz": 100, "gestureSensor": "a",
              "sensors": [ { "name": "a", "chip": "mpu6050", "bus": "i2c", "address": "0x68", "interruptPin": 17 },
                           { "name": "b", "chip": "mpu9250", "bus": "i2c", "address": "0x68" } ],
              "outputs": { "leds": { "tap": 17 } } }
            """;
        var error = Assert.Throws<WiringException>(() => WiringConfig.Parse(json, "x.json"));
        Assert.Contains("0x68 on i2c-1 is already used by 'a'", error.Message);
        Assert.Contains("outputs.leds.tap: GPIO 17 is already used by sensors[0] ('a').interruptPin", error.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var error = Assert.Throws<WiringException>(() => WiringConfig.Load("/nonexistent/wiring.json"));
        Assert.Contains("/nonexistent/wiring.json: cannot read", error.Message);
    }
}
