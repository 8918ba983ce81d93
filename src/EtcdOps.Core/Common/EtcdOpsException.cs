using System;

namespace EtcdOps.Common
{
    /// <summary>What kind of failure an <see cref="EtcdOpsException"/> is; the cmdlet layer maps it to an ErrorCategory.</summary>
    public enum FailureKind
    {
        InvalidArgument,
        InvalidData,
        ObjectNotFound,
        ResourceExists,
        ConnectionError,
        SecurityError,
        OperationTimeout,
        InvalidOperation,
        WriteError,
        NotInstalled,
    }

    /// <summary>
    /// A failure with a stable id, a kind, the object it is about, and a message that says what to do.
    /// Every error the core raises on purpose is one of these, so the cmdlets can turn it into a proper ErrorRecord.
    /// </summary>
    public class EtcdOpsException : Exception
    {
        public EtcdOpsException(string errorId, FailureKind kind, string message, object? target = null, Exception? inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Kind = kind;
            Target = target;
        }

        /// <summary>Stable identifier, e.g. <c>InvalidMemberAddress</c>; scripts may match on it.</summary>
        public string ErrorId { get; }

        public FailureKind Kind { get; }

        /// <summary>The object the failure is about (a member, a file path, an endpoint).</summary>
        public object? Target { get; }
    }
}
