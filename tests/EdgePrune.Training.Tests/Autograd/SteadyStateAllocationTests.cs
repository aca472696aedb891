using EdgePrune.Training.Kernels;
using EdgePrune.Training.Architectures;
using EdgePrune.Training.Autograd;
using EdgePrune.Training.Losses;
using EdgePrune.Training.Optimization;

namespace EdgePrune.Training.Tests.Autograd;

/// <summary>Runs alone: it reads the process-wide allocation counter, which other tests' threads would move.</summary>
[CollectionDefinition(nameof(AllocationCounting), DisableParallelization = true)]
public sealed class AllocationCounting;

/// <summary>
/// A training step (forward, cross-entropy, backward, Adam) allocates nothing once buffers have grown to the batch:
/// not a byte on the calling thread, nor on the kernels' worker threads (the only threads a step runs on: every
/// kernel parallelises through <see cref="WorkerPool"/>). The process-wide counter also sees the test host's own
/// threads, which allocate in the background (about 1–2 KB/s measured while these steps ran; far more while it
/// starts up), so for the process a step is only held under 4 KB, against the 14 KB (LeNet-300-100) and 57 KB
/// (LeNet-5) a step allocated when the kernels used Parallel.For.
/// </summary>
[Collection(nameof(AllocationCounting))]
public class SteadyStateAllocationTests
{
    private const int Batch = 64;

    [Theory]
    [InlineData("lenet-300-100")]
    [InlineData("lenet5")]
    public void Training_step_allocates_nothing_in_steady_state(string architecture)
    {
        var engine = new AutogradEngine(Architecture.Build(architecture, [28, 28], 10, seed: 1));
        var optimizer = new Adam();
        var random = new Random(1);
        var input = Enumerable.Range(0, Batch * 784).Select(_ => random.NextSingle()).ToArray();
        var labels = Enumerable.Range(0, Batch).Select(_ => random.Next(10)).ToArray();
        var gradient = new float[Batch * 10];
        int[] shape = architecture == "lenet5" ? [Batch, 1, 28, 28] : [Batch, 784];

        void Step()
        {
            engine.SetInput(Architecture.InputName, input, shape);
            engine.Run(training: true);
            var logits = engine.OutputSpan(Architecture.OutputName, out _);
            Array.Clear(gradient);
            CrossEntropyLoss.Compute(logits, 10, labels, gradient);
            engine.Backward(Architecture.OutputName, gradient);
            optimizer.Step(engine.Parameters, 1e-4f);
        }

        // Warm-up grows every buffer and lets the JIT settle the kernels into their final tier.
        for (int i = 0; i < 40; i++)
        {
            Step();
        }

        const int Steps = 10;
        long threadBefore = GC.GetAllocatedBytesForCurrentThread();
        long workersBefore = WorkerPool.WorkerAllocatedBytes;
        long processBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < Steps; i++)
        {
            Step();
        }

        long thread = GC.GetAllocatedBytesForCurrentThread() - threadBefore;
        long workers = WorkerPool.WorkerAllocatedBytes - workersBefore;
        long process = GC.GetTotalAllocatedBytes(precise: true) - processBefore;
        Assert.True(thread == 0, $"{architecture}: {thread} B allocated on the calling thread over {Steps} steps");
        Assert.True(workers == 0, $"{architecture}: {workers} B allocated on the kernels' worker threads over {Steps} steps");
        Assert.True(process < Steps * 4096, $"{architecture}: {process} B allocated by the process over {Steps} steps");
    }
}
