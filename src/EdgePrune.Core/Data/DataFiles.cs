using System.Text.RegularExpressions;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Data;

/// <summary>Loads a calibration or evaluation data file, choosing the reader by the file name.</summary>
public static partial class DataFiles
{
    public const string SupportedFormats = ".npy, .npz, .csv, IDX (.idx, .idx3-ubyte, -idx1-ubyte, ..., optionally .gz)";

    /// <summary>
    /// Reads <paramref name="path"/> as .npy, .npz, .csv or IDX (gzipped or not). An .npz file must hold a single
    /// array unless <paramref name="arrayName"/> picks one.
    /// </summary>
    public static Tensor Load(string path, string? arrayName = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        DataFormat format = FormatOf(path);
        if (arrayName is not null && format != DataFormat.Npz)
        {
            throw new EdgePruneException($"{path}: an array name ('{arrayName}') only applies to .npz files");
        }

        return format switch
        {
            DataFormat.Npy => Npy.Read(path),
            DataFormat.Csv => Csv.Read(path),
            DataFormat.Idx => Idx.Read(path),
            _ => PickArray(path, Npz.Read(path), arrayName),
        };
    }

    private static Tensor PickArray(string path, IReadOnlyDictionary<string, Tensor> arrays, string? arrayName)
    {
        string names = string.Join(", ", arrays.Keys.Select(k => $"'{k}'"));
        if (arrayName is not null)
        {
            return arrays.TryGetValue(arrayName, out Tensor? tensor)
                ? tensor
                : throw new EdgePruneException($"{path}: no array named '{arrayName}'; the file holds {(arrays.Count == 0 ? "no arrays" : names)}");
        }

        return arrays.Count == 1
            ? arrays.Values.Single()
            : throw new EdgePruneException(arrays.Count == 0
                ? $"{path}: the .npz file holds no arrays"
                : $"{path}: the .npz file holds {arrays.Count} arrays ({names}); say which one to use");
    }

    private static DataFormat FormatOf(string path)
    {
        string name = Path.GetFileName(path);
        bool gzipped = name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        string inner = gzipped ? name[..^3] : name;
        if (IdxName().IsMatch(inner))
        {
            return DataFormat.Idx;
        }

        string extension = Path.GetExtension(inner).ToLowerInvariant();
        DataFormat? format = extension switch
        {
            ".npy" => DataFormat.Npy,
            ".npz" => DataFormat.Npz,
            ".csv" => DataFormat.Csv,
            _ => null,
        };
        if (format is null)
        {
            throw new EdgePruneException($"{path}: unknown data file type '{(gzipped ? extension + ".gz" : extension)}'; EdgePrune reads {SupportedFormats}");
        }

        if (gzipped)
        {
            throw new EdgePruneException($"{path}: only IDX files are read gzip-compressed; gunzip it first");
        }

        return format.Value;
    }

    // MNIST's own names ("train-images-idx3-ubyte"), the common "train-images.idx3-ubyte" and plain ".idx".
    [GeneratedRegex(@"(^|[.\-_])idx[0-9]*(-ubyte)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IdxName();

    private enum DataFormat
    {
        Npy,
        Npz,
        Csv,
        Idx,
    }
}
