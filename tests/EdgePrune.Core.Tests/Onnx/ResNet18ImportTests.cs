using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;

namespace EdgePrune.Core.Tests.Onnx;

public class ResNet18ImportTests
{
    [Fact]
    public void ResNet18_imports()
    {
        var model = OnnxImporter.Load(RealModels.ResNet18);
        Assert.NotEmpty(model.Graph.Nodes);
    }
}
