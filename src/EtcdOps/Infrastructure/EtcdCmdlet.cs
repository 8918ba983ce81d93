using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Commands
{
    /// <summary>
    /// Shared plumbing for every EtcdOps cmdlet: turning core failures into proper ErrorRecords and
    /// turning Ctrl+C (StopProcessing) into a CancellationToken the core can observe.
    /// </summary>
    public abstract class EtcdCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

        protected CancellationToken Cancellation => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        public void Dispose()
        {
            _stopping.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>
        /// Waits up to <paramref name="milliseconds"/> for <paramref name="task"/> without throwing when it fails
        /// (Task.Wait would wrap the failure in an AggregateException); the caller reads the result afterwards.
        /// </summary>
        protected static bool WaitQuietly(Task task, int milliseconds) => ((IAsyncResult)task).AsyncWaitHandle.WaitOne(milliseconds);

        /// <summary>
        /// Runs a transfer (a release download, a snapshot stream; started by <paramref name="start"/> on its own task) and writes its progress here,
        /// on the pipeline thread. The transfer is never left running behind a failed or stopped pipeline, and a
        /// Completed record always follows.
        /// </summary>
        private protected T WithTransferProgress<T>(string activity, string source, Func<TransferProgress, Task<T>> start)
        {
            var progress = new TransferProgress();
            var record = new ProgressRecord(Math.Abs(source.GetHashCode() % 100000) + 1, activity, source);
            var task = start(progress);
            try
            {
                long shown = -1;
                while (!WaitQuietly(task, 200))
                {
                    var received = progress.BytesReceived;
                    if (received == shown) continue;
                    shown = received;
                    var total = progress.TotalBytes;
                    record.StatusDescription = total > 0 ? $"{Megabytes(received)} of {Megabytes(total)}" : Megabytes(received);
                    record.PercentComplete = total > 0 ? (int)Math.Min(100, received * 100 / total) : -1;
                    WriteProgress(record);
                }
                return task.GetAwaiter().GetResult();
            }
            finally
            {
                if (!task.IsCompleted) WaitQuietly(task, Timeout.Infinite);
                record.RecordType = ProgressRecordType.Completed;
                try { WriteProgress(record); }
                catch (PipelineStoppedException) { }
            }
        }

        private static string Megabytes(long bytes) => $"{bytes / 1048576.0:0.0} MB";

        /// <summary>Resolves a user-given path against PowerShell's current location, not the process's.</summary>
        protected string ResolvePath(string path) => GetUnresolvedProviderPathFromPSPath(path);

        protected static ErrorRecord ToErrorRecord(EtcdOpsException ex, object? target = null) =>
            new ErrorRecord(ex, ex.ErrorId, Map(ex.Kind), target ?? ex.Target);

        protected void WriteFailure(EtcdOpsException ex, object? target = null) => WriteError(ToErrorRecord(ex, target));

        protected void ThrowFailure(EtcdOpsException ex, object? target = null) => ThrowTerminatingError(ToErrorRecord(ex, target));

        /// <summary>For invalid calls caught in the cmdlet layer itself.</summary>
        protected void ThrowInvalidArgument(string errorId, string message, object? target) =>
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, target));

        private static ErrorCategory Map(FailureKind kind) => kind switch
        {
            FailureKind.InvalidArgument => ErrorCategory.InvalidArgument,
            FailureKind.InvalidData => ErrorCategory.InvalidData,
            FailureKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
            FailureKind.ResourceExists => ErrorCategory.ResourceExists,
            FailureKind.ConnectionError => ErrorCategory.ConnectionError,
            FailureKind.SecurityError => ErrorCategory.SecurityError,
            FailureKind.OperationTimeout => ErrorCategory.OperationTimeout,
            FailureKind.WriteError => ErrorCategory.WriteError,
            FailureKind.NotInstalled => ErrorCategory.NotInstalled,
            _ => ErrorCategory.InvalidOperation,
        };
    }
}
