using EdgePrune.Training.Kernels;

namespace EdgePrune.Training.Tests.Kernels;

/// <summary>The worker pool's contract: every item exactly once, whoever calls and however calls overlap; failures reach the caller.</summary>
public class WorkerPoolTests
{
    [Fact]
    public void Every_item_runs_exactly_once_while_callers_on_several_threads_race()
    {
        const int Callers = 4, Calls = 500;
        int returnedEarly = 0;
        var works = Enumerable.Range(0, Callers).Select(c => new CountingWork(items: 3 + c * 5)).ToArray();
        var threads = works.Select(work => new Thread(() =>
        {
            for (int call = 0; call < Calls; call++)
            {
                WorkerPool.Run(work, work.Counts.Length);
                // Run returns only when every item of this call is done, including those a worker took.
                for (int i = 0; i < work.Counts.Length; i++)
                {
                    if (Volatile.Read(ref work.Counts[i]) != call + 1)
                    {
                        Interlocked.Increment(ref returnedEarly);
                    }
                }
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.Equal(0, returnedEarly);
        foreach (var work in works)
        {
            Assert.All(work.Counts, count => Assert.Equal(Calls, count));
        }
    }

    [Fact]
    public void Item_that_throws_fails_the_call_and_the_pool_keeps_working()
    {
        var failing = new CountingWork(items: 16) { FailAt = 11 };
        var error = Assert.Throws<InvalidOperationException>(() => WorkerPool.Run(failing, 16));
        Assert.Equal("item 11", error.Message);

        var work = new CountingWork(items: 16);
        WorkerPool.Run(work, 16);
        Assert.All(work.Counts, count => Assert.Equal(1, count));
    }

    private sealed class CountingWork(int items) : IParallelWork
    {
        public int[] Counts { get; } = new int[items];

        public int FailAt { get; init; } = -1;

        public void Execute(int item)
        {
            if (item == FailAt)
            {
                throw new InvalidOperationException($"item {item}");
            }

            Interlocked.Increment(ref Counts[item]);
        }
    }
}
