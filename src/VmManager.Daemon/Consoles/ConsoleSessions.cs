using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Consoles;

/// <summary>One open console. Asking it to close lets the bridge end the WebSocket cleanly with the reason.</summary>
public sealed class ConsoleSession(string userName, string vmId, int vncPort, bool viewOnly, DateTimeOffset startedAt, string? vncPassword = null)
{
    private readonly TaskCompletionSource<string> _closeRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string UserName { get; } = userName;

    public string VmId { get; } = vmId;

    public int VncPort { get; } = vncPort;

    public bool ViewOnly { get; } = viewOnly;

    public DateTimeOffset StartedAt { get; } = startedAt;

    /// <summary>What the bridge answers QEMU's VNC authentication with; null: pass the screen through unauthenticated (older VMs).</summary>
    internal string? VncPassword { get; } = vncPassword;

    /// <summary>Completes with the reason once the daemon wants the session gone (VM stopped, logout...).</summary>
    public Task<string> CloseRequested => _closeRequested.Task;

    internal void RequestClose(string reason) => _closeRequested.TrySetResult(reason);
}

public enum SessionLimit
{
    None,
    PerUser,
    PerVm,
}

/// <summary>
/// The live consoles, with the per-user and per-VM caps checked and taken under one lock so that
/// parallel upgrades cannot overshoot them. Other features end sessions through CloseVm/CloseUser.
/// </summary>
public sealed class ConsoleSessions(IOptions<ConsoleOptions> options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly List<ConsoleSession> _sessions = [];

    public int Count
    {
        get { lock (_lock) { return _sessions.Count; } }
    }

    public int CountForUser(string userName)
    {
        lock (_lock) { return _sessions.Count(session => session.UserName == userName); }
    }

    public int CountForVm(string vmId)
    {
        lock (_lock) { return _sessions.Count(session => session.VmId == vmId); }
    }

    public IReadOnlyList<ConsoleSession> Snapshot()
    {
        lock (_lock) { return [.. _sessions]; }
    }

    /// <summary>Registers a session, or says which cap refuses it.</summary>
    public (ConsoleSession? Session, SessionLimit Limit) TryOpen(string userName, string vmId, int vncPort, bool viewOnly, string? vncPassword = null)
    {
        var limits = options.Value;
        lock (_lock)
        {
            if (_sessions.Count(session => session.UserName == userName) >= limits.MaxSessionsPerUser)
            {
                return (null, SessionLimit.PerUser);
            }
            if (_sessions.Count(session => session.VmId == vmId) >= limits.MaxSessionsPerVm)
            {
                return (null, SessionLimit.PerVm);
            }
            var opened = new ConsoleSession(userName, vmId, vncPort, viewOnly, time.GetUtcNow(), vncPassword);
            _sessions.Add(opened);
            return (opened, SessionLimit.None);
        }
    }

    public void Remove(ConsoleSession session)
    {
        lock (_lock) { _sessions.Remove(session); }
    }

    /// <summary>Ends every console of a VM (stopped, deleted, lease over); returns how many were asked to close.</summary>
    public int CloseVm(string vmId, string reason) => Close(session => session.VmId == vmId, reason);

    /// <summary>Ends every console a user has open (logout, account disabled).</summary>
    public int CloseUser(string userName, string reason) => Close(session => session.UserName == userName, reason);

    /// <summary>Ends every console (daemon shutdown).</summary>
    public int CloseAll(string reason) => Close(_ => true, reason);

    private int Close(Func<ConsoleSession, bool> match, string reason)
    {
        var closing = Snapshot().Where(match).ToList();
        foreach (var session in closing)
        {
            session.RequestClose(reason);
        }
        return closing.Count;
    }
}
