using System.Runtime.ExceptionServices;

namespace EdgePrune.Training.Kernels;

/// <summary>Work cut into numbered items that may run on any thread, in any order, each exactly once.</summary>
internal interface IParallelWork
{
    void Execute(int item);
}

/// <summary>
/// Persistent worker threads (one fewer than the cores; the calling thread is the last worker) that share out the
/// items of an <see cref="IParallelWork"/>. Unlike <c>Parallel.For</c>, a call allocates nothing: no task, no
/// closure, no state object, so a training step stays allocation-free. Work objects are owned by the callers and
/// reused. One call runs at a time: a call that finds the workers busy (another engine on another thread, or a
/// call made from inside an item) runs its items on its own thread, which gives the same results, as items never
/// depend on which thread runs them.
/// </summary>
internal static class WorkerPool
{
    // _participants: who is working on the current call (the caller counts as one), plus Closed once the caller has
    // run out of items; a worker that wakes after that stays out, so the caller never waits for a thread the
    // scheduler has not run yet (on a loaded machine that can take milliseconds).
    private const int Closed = 1 << 30;

    private static readonly ManualResetEventSlim Finished = new(false);
    private static readonly long[] WorkerAllocations = new long[Math.Max(0, Environment.ProcessorCount - 1)];
    private static readonly SemaphoreSlim[] Starts = StartWorkers(Environment.ProcessorCount - 1);
    private static int _busy;
    private static int _participants = Closed;
    private static IParallelWork? _work;
    private static int _items;
    private static int _next;
    private static Exception? _failure;

    /// <summary>Calls <paramref name="work"/>.Execute(i) for every i in [0, <paramref name="items"/>) and returns when all are done.</summary>
    public static void Run(IParallelWork work, int items)
    {
        if (items <= 1 || Starts.Length == 0 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < items; i++)
            {
                work.Execute(i);
            }

            return;
        }

        try
        {
            _work = work;
            _items = items;
            _next = 0;
            _failure = null;
            Finished.Reset();
            Volatile.Write(ref _participants, 1);
            for (int w = 0; w < Math.Min(Starts.Length, items - 1); w++)
            {
                Starts[w].Release();
            }

            Drain();

            // Close the call; wait only for the workers that joined it, since the caller reuses the work at once.
            if (Interlocked.Add(ref _participants, Closed - 1) != Closed)
            {
                Finished.Wait();
            }

            _work = null;
            if (_failure is { } failure)
            {
                ExceptionDispatchInfo.Throw(failure);
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Bytes the worker threads have allocated since they started, as of the end of their last share of work (what
    /// <see cref="GC.GetAllocatedBytesForCurrentThread"/> says on each, summed), so a test can tell their
    /// allocations from the calling thread's.
    /// </summary>
    public static long WorkerAllocatedBytes
    {
        get
        {
            long sum = 0;
            for (int w = 0; w < WorkerAllocations.Length; w++)
            {
                sum += Volatile.Read(ref WorkerAllocations[w]);
            }

            return sum;
        }
    }

    private static void Drain()
    {
        var work = _work!;
        int items = _items;
        try
        {
            for (int i = Interlocked.Increment(ref _next) - 1; i < items; i = Interlocked.Increment(ref _next) - 1)
            {
                work.Execute(i);
            }
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            Volatile.Write(ref _next, items);
        }
    }

    /// <summary>Joins the current call unless it is already closed.</summary>
    private static bool TryJoin()
    {
        int seen = Volatile.Read(ref _participants);
        while ((seen & Closed) == 0)
        {
            int before = Interlocked.CompareExchange(ref _participants, seen + 1, seen);
            if (before == seen)
            {
                return true;
            }

            seen = before;
        }

        return false;
    }

    private static SemaphoreSlim[] StartWorkers(int count)
    {
        var starts = new SemaphoreSlim[Math.Max(0, count)];
        for (int w = 0; w < starts.Length; w++)
        {
            var start = new SemaphoreSlim(0);
            starts[w] = start;
            int worker = w;
            var thread = new Thread(() =>
            {
                while (true)
                {
                    start.Wait();
                    if (!TryJoin())
                    {
                        continue;
                    }

                    Drain();
                    Volatile.Write(ref WorkerAllocations[worker], GC.GetAllocatedBytesForCurrentThread());
                    if (Interlocked.Decrement(ref _participants) == Closed)
                    {
                        Finished.Set();
                    }
                }
            })
            {
                IsBackground = true,
                Name = $"EdgePrune training worker {w + 1}",
            };
            thread.Start();
        }

        return starts;
    }
}
