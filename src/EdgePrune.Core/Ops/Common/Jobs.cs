namespace EdgePrune.Core.Ops.Common;

/// <summary>Runs independent jobs, spread over the cores or one after another.</summary>
internal static class Jobs
{
    /// <param name="parallel">False when the caller already runs in parallel at an outer level, or the jobs are too small to split.</param>
    public static void Run(int count, bool parallel, Action<int> job)
    {
        if (parallel && count > 1)
        {
            Parallel.For(0, count, job);
            return;
        }

        for (int i = 0; i < count; i++)
        {
            job(i);
        }
    }
}
