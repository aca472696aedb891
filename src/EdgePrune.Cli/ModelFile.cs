using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;

namespace EdgePrune.Cli;

/// <summary>Opens the model a command was given, with messages that name the path as the user typed it.</summary>
public static class ModelFile
{
    public static Model Load(string path) => OnnxImporter.Load(ReadBytes(path), path);

    public static byte[] ReadBytes(string path)
    {
        if (Directory.Exists(path))
        {
            throw new EdgePruneException($"{path}: is a directory; expected an .onnx file");
        }

        if (!File.Exists(path))
        {
            throw new EdgePruneException($"{path}: no such file");
        }

        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgePruneException($"{path}: cannot read the file ({e.Message})", e);
        }
    }
}
