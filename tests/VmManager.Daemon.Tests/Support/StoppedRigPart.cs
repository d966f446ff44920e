namespace VmManager.Daemon.Tests.Support;

/// <summary>
/// A rig part (ldap, smtp) stopped for fault injection; disposing starts it again and returns only once it
/// serves (rig.sh start waits for a StartTLS bind / the SMTP greeting), so the next test never meets it
/// half-started. Other test runs share the rig: keep the stopped span short.
/// </summary>
public sealed class StoppedRigPart : IDisposable
{
    private readonly string _part;

    private StoppedRigPart(string part) => _part = part;

    public static StoppedRigPart Stop(string part)
    {
        RigFixture.Run("stop", part);
        return new StoppedRigPart(part);
    }

    /// <summary>A failed start is retried once: a part left down would fail every later test of the run.</summary>
    public void Dispose()
    {
        try
        {
            RigFixture.Run("start", _part);
        }
        catch (InvalidOperationException)
        {
            RigFixture.Run("start", _part);
        }
    }
}
