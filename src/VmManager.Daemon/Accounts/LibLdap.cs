using System.Runtime.InteropServices;

namespace VmManager.Daemon.Accounts;

/// <summary>
/// libldap's own timeouts, which System.DirectoryServices.Protocols does not expose on Linux: without them a
/// connect to a host that drops packets waits for the kernel (minutes), and the synchronous bind and StartTLS
/// calls it makes wait for ever on a directory that accepts and never answers. They are libldap's process-wide
/// defaults, which every connection opened afterwards copies.
/// </summary>
internal static class LibLdap
{
    private const int OptionTimeout = 0x5002;
    private const int OptionNetworkTimeout = 0x5005;
    private const int Success = 0;
    // The names System.DirectoryServices.Protocols itself loads, so both use the same library and its defaults.
    private static readonly string[] Names = ["libldap.so.2", "libldap-2.5.so.0", "libldap-2.4.so.2"];
    private static readonly Lock SetLock = new();
    private static SetOption? _setOption;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SetOption(IntPtr ld, int option, in TimeValue value);

    public static void SetTimeouts(TimeSpan connect, TimeSpan operation)
    {
        lock (SetLock)
        {
            _setOption ??= Load();
            if (_setOption(IntPtr.Zero, OptionNetworkTimeout, TimeValue.From(connect)) != Success
                || _setOption(IntPtr.Zero, OptionTimeout, TimeValue.From(operation)) != Success)
            {
                throw new InvalidOperationException("libldap refused its timeout options");
            }
        }
    }

    private static SetOption Load()
    {
        foreach (var name in Names)
        {
            if (NativeLibrary.TryLoad(name, out var library) && NativeLibrary.TryGetExport(library, "ldap_set_option", out var function))
            {
                return Marshal.GetDelegateForFunctionPointer<SetOption>(function);
            }
        }
        throw new DllNotFoundException($"libldap not found (tried {string.Join(", ", Names)}): install the libldap package");
    }

    /// <summary>struct timeval on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct TimeValue(long seconds, long microseconds)
    {
        private readonly long _seconds = seconds;
        private readonly long _microseconds = microseconds;

        public static TimeValue From(TimeSpan span) => new((long)span.TotalSeconds, span.Microseconds + (span.Milliseconds * 1000L));
    }
}
