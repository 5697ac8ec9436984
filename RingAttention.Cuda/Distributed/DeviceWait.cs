using System.Diagnostics;
using RingAttention.Interop;
using static RingAttention.Interop.NativeConstants;

namespace RingAttention.Cuda.Distributed;

/// <summary>
/// Waits for a CUDA event without ever blocking inside CUDA: cudaEventSynchronize behind an NCCL kernel whose peer died
/// never returns, so the wait polls the event, the watchdog's failure and a deadline instead (NCCL's documented
/// substitute for a blocking synchronize, with a deadline added).
/// </summary>
internal static class DeviceWait
{
    /// <summary>
    /// Returns true once <paramref name="done"/> completed; false when <paramref name="failed"/> turns true or
    /// <paramref name="timeout"/> passes first. A failure after completion is the caller's to check: work
    /// that an abort cut short also "completes".
    /// </summary>
    public static bool Until(SafeCudaEventHandle done, Func<bool> failed, TimeSpan timeout)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        for (int polls = 0; ; polls++)
        {
            int status = NativeMethods.ringattn_cuda_event_query(done);
            if (status == RINGATTN_STATUS_OK)
            {
                return true;
            }

            if (status != RINGATTN_STATUS_NOT_READY)
            {
                ShimStatus.Check(status, "NativeMethods.ringattn_cuda_event_query(done)");
            }

            if (failed() || Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            // Spin briefly (a ring step ends within microseconds of the query), then stop burning the core.
            if (polls < 200)
            {
                Thread.Yield();
            }
            else
            {
                Thread.Sleep(1);
            }
        }
    }
}
