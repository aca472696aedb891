using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops.Common;

/// <summary>
/// The window walk MaxPool and AveragePool share: for every image, channel and output position it gathers
/// the input elements the (strided, dilated, padded) window covers and lets the op reduce them.
/// </summary>
public static class Pooling
{
    /// <summary>
    /// Reduces one window: <paramref name="values"/> are the inputs inside the image, <paramref name="paddedCount"/>
    /// the taps that fall inside the image or its explicit pads (what count_include_pad divides by).
    /// </summary>
    public delegate float Reduce(ReadOnlySpan<float> values, int paddedCount);

    /// <summary>Pools an [N, C, D1…Dk] tensor with the resolved window; returns [N, C, outputSize…].</summary>
    public static Tensor Run(Node node, Tensor x, ConvGeometry geometry, Reduce reduce)
    {
        int rank = geometry.SpatialRank;
        int[] inputSize = x.Shape[2..].ToArray();
        var (padsBegin, padsEnd, outputSize) = geometry.Resolve(inputSize);
        int planes = x.Shape[0] * x.Shape[1];
        int inputPlane = Axes.Product(inputSize, 0, rank);
        int outputPlane = Axes.Product(outputSize, 0, rank);
        int kernelSize = Axes.Product(geometry.Kernel, 0, rank);
        var xs = SharedData.Floats(x, node, "X");
        var y = new float[(long)planes * outputPlane];
        Parallel.For(0, planes, plane =>
        {
            var values = new float[kernelSize];
            var position = new int[rank];
            var tap = new int[rank];
            int inputOffset = plane * inputPlane;
            for (int o = 0; o < outputPlane; o++)
            {
                ConvGeometry.Unravel(o, outputSize, position);
                int count = 0, paddedCount = 0;
                for (int k = 0; k < kernelSize; k++)
                {
                    ConvGeometry.Unravel(k, geometry.Kernel, tap);
                    int offset = 0;
                    bool inImage = true, inPadded = true;
                    for (int d = 0; d < rank; d++)
                    {
                        int i = position[d] * geometry.Strides[d] + tap[d] * geometry.Dilations[d] - padsBegin[d];
                        inImage &= i >= 0 && i < inputSize[d];
                        inPadded &= i < inputSize[d] + padsEnd[d];
                        offset = offset * inputSize[d] + i;
                    }

                    if (inPadded)
                    {
                        paddedCount++;
                    }

                    if (inImage)
                    {
                        values[count++] = xs[inputOffset + offset];
                    }
                }

                y[(long)plane * outputPlane + o] = reduce(values.AsSpan(0, count), paddedCount);
            }
        });

        return Tensor.FromArray(y, [x.Shape[0], x.Shape[1], .. outputSize]);
    }

    /// <summary>The output type of a pooling op over <paramref name="x"/>, with symbolic batch and channel dims kept.</summary>
    public static TensorType InferType(Node node, TensorType x, Func<int, ConvGeometry> readGeometry)
    {
        if (x.ElementType != DataType.Float)
        {
            throw new EdgePruneException($"{node.Describe()}: input is {x.ElementType.OnnxName()}; EdgePrune implements {node.OpType} for float only");
        }

        if (x.Shape is null)
        {
            return new TensorType(DataType.Float, null);
        }

        if (x.Shape.Count < 3)
        {
            throw new EdgePruneException($"{node.Describe()}: input {x} must be [N, C, D1, …] with at least one spatial axis");
        }

        var geometry = readGeometry(x.Shape.Count - 2);
        var output = new Dim[x.Shape.Count];
        output[0] = x.Shape[0];
        output[1] = x.Shape[1];
        for (int i = 0; i < geometry.SpatialRank; i++)
        {
            output[2 + i] = geometry.OutputDim(i, x.Shape[2 + i]);
        }

        return new TensorType(DataType.Float, output);
    }

    /// <summary>Checks kernel_shape, strides, dilations and pads against the kernel's rank; problems name the attribute.</summary>
    public static void ValidateAttributes(Node node, List<string> problems)
    {
        var kernel = node.GetInts("kernel_shape");
        if (kernel is null)
        {
            problems.Add("attribute 'kernel_shape' is required");
            return;
        }

        ConvGeometry.Read(node, kernel.Length, null);
    }
}
