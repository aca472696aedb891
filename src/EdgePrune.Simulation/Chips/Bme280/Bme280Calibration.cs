namespace EdgePrune.Simulation.Chips.Bme280;

/// <summary>
/// A BME280's factory trimming parameters and Bosch's compensation formulas (BME280 datasheet BST-BME280-DS002
/// rev 1.6, §4.2.2 layout, §8.1 floating-point formulas), plus their inverses, which the emulated chip needs to turn
/// a physical value into the raw ADC code a real chip would report.
/// </summary>
public sealed record Bme280Calibration(
    ushort T1, short T2, short T3,
    ushort P1, short P2, short P3, short P4, short P5, short P6, short P7, short P8, short P9,
    byte H1, short H2, byte H3, short H4, short H5, sbyte H6)
{
    /// <summary>The temperature and pressure words of Bosch's worked example (BMP280 datasheet §3.12) and humidity words read from a real BME280.</summary>
    public static Bme280Calibration Typical { get; } = new(
        27504, 26435, -1000,
        36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000,
        75, 362, 0, 313, 50, 30);

    /// <summary>Bytes for registers 0x88..0xA1 (calib00..25) and 0xE1..0xE7 (calib26..32), §4.2.2 Table 16.</summary>
    public (byte[] Block1, byte[] Block2) ToRegisters()
    {
        var block1 = new byte[26];
        ushort[] words = [T1, (ushort)T2, (ushort)T3, P1, (ushort)P2, (ushort)P3, (ushort)P4, (ushort)P5, (ushort)P6, (ushort)P7, (ushort)P8, (ushort)P9];
        for (int i = 0; i < words.Length; i++)
        {
            block1[2 * i] = (byte)words[i];
            block1[2 * i + 1] = (byte)(words[i] >> 8);
        }

        block1[25] = H1;
        var block2 = new byte[7];
        block2[0] = (byte)H2;
        block2[1] = (byte)(H2 >> 8);
        block2[2] = H3;
        block2[3] = (byte)(H4 >> 4);
        block2[4] = (byte)((H4 & 0x0F) | ((H5 & 0x0F) << 4));
        block2[5] = (byte)(H5 >> 4);
        block2[6] = (byte)H6;
        return (block1, block2);
    }

    /// <summary>§8.1 compensate_T_double: returns °C and t_fine.</summary>
    public (double Celsius, double TFine) CompensateTemperature(int adcT)
    {
        double var1 = (adcT / 16384.0 - T1 / 1024.0) * T2;
        double d = adcT / 131072.0 - T1 / 8192.0;
        double var2 = d * d * T3;
        double tFine = var1 + var2;
        return (tFine / 5120.0, tFine);
    }

    /// <summary>§8.1 compensate_P_double: returns Pa.</summary>
    public double CompensatePressure(int adcP, double tFine)
    {
        double var1 = tFine / 2.0 - 64000.0;
        double var2 = var1 * var1 * P6 / 32768.0;
        var2 += var1 * P5 * 2.0;
        var2 = var2 / 4.0 + P4 * 65536.0;
        var1 = (P3 * var1 * var1 / 524288.0 + P2 * var1) / 524288.0;
        var1 = (1.0 + var1 / 32768.0) * P1;
        if (var1 == 0)
        {
            return 0;
        }

        double p = 1048576.0 - adcP;
        p = (p - var2 / 4096.0) * 6250.0 / var1;
        var1 = P9 * p * p / 2147483648.0;
        var2 = p * P8 / 32768.0;
        return p + (var1 + var2 + P7) / 16.0;
    }

    /// <summary>§8.1 compensate_H_double: returns %RH, clipped to 0..100.</summary>
    public double CompensateHumidity(int adcH, double tFine)
    {
        double h = tFine - 76800.0;
        h = (adcH - (H4 * 64.0 + H5 / 16384.0 * h)) * (H2 / 65536.0 * (1.0 + H6 / 67108864.0 * h * (1.0 + H3 / 67108864.0 * h)));
        h *= 1.0 - H1 * h / 524288.0;
        return Math.Clamp(h, 0.0, 100.0);
    }

    /// <summary>The raw 20-bit code whose compensated temperature is nearest to <paramref name="celsius"/>, on a grid of 2^(20-bits).</summary>
    public int RawTemperature(double celsius, int bits) =>
        NearestCode(code => CompensateTemperature(code).Celsius, celsius, 20, bits);

    public int RawPressure(double pascal, double tFine, int bits) =>
        NearestCode(code => CompensatePressure(code, tFine), pascal, 20, bits);

    public int RawHumidity(double percent, double tFine) =>
        NearestCode(code => CompensateHumidity(code, tFine), percent, 16, 16);

    /// <summary>Binary search over a monotonic compensation function (increasing or decreasing), then the nearer of the two neighbours.</summary>
    private static int NearestCode(Func<int, double> compensate, double target, int width, int bits)
    {
        int step = 1 << (width - bits);
        int low = 0;
        int high = ((1 << width) - 1) / step;
        bool increasing = compensate(high * step) > compensate(low * step);
        while (high - low > 1)
        {
            int mid = (low + high) / 2;
            bool below = compensate(mid * step) < target;
            if (below == increasing)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return Math.Abs(compensate(low * step) - target) <= Math.Abs(compensate(high * step) - target) ? low * step : high * step;
    }
}
