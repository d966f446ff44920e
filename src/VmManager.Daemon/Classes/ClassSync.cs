using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Classes;

/// <summary>
/// Reads the directory's classes at start, every Classes:RefreshSeconds, and after a directory login
/// (at most once per <see cref="LoginRefreshGap"/>). When the directory does not answer, the memberships
/// read last stay in force and the failure is recorded for /readyz; a streak of failures is logged once.
/// </summary>
public sealed partial class ClassSync(
    LdapClassReader reader, ClassStore store, LdapDirectory directory, IOptions<ClassesOptions> options, BackgroundFaults faults, TimeProvider time,
    ILogger<ClassSync> logger)
    : BackgroundService
{
    private readonly FaultStreak _streak = faults.Streak("class-sync", logger);
    public static readonly TimeSpan LoginRefreshGap = TimeSpan.FromSeconds(10);
    private readonly Channel<bool> _asked = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private DateTimeOffset _lastPass = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Ldap.Enabled)
        {
            return;
        }
        directory.UserAuthenticated += OnLogin;
        try
        {
            var interval = TimeSpan.FromSeconds(options.Value.RefreshSeconds);
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Run(RefreshOnce, stoppingToken);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var timer = Task.Delay(interval, time, wait.Token);
                await Task.WhenAny(timer, _asked.Reader.WaitToReadAsync(wait.Token).AsTask());
                _asked.Reader.TryRead(out _);
                await wait.CancelAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            directory.UserAuthenticated -= OnLogin;
        }
    }

    /// <summary>One read of the directory; never throws (a directory that is down, a database that refuses the write).</summary>
    public void RefreshOnce()
    {
        _lastPass = time.GetUtcNow();
        try
        {
            var classes = reader.ReadAll();
            var changed = store.ReplaceDirectoryClasses(classes);
            store.RecordSync(null);
            LogRefreshed(classes.Count, changed);
            _streak.Succeeded();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _streak.Failed(ex);
            if (ex is DirectoryUnavailableException)
            {
                RecordUnavailable(ex.Message);
            }
        }
    }

    /// <summary>For /readyz ("classes"); a database that refuses this too is already in the streak.</summary>
    private void RecordUnavailable(string problem)
    {
        try
        {
            store.RecordSync(problem);
        }
        catch (Exception ex) when (ex is SqliteException or IOException)
        {
            _streak.Failed(ex);
        }
    }

    private void OnLogin(string userName)
    {
        if (time.GetUtcNow() - _lastPass >= LoginRefreshGap)
        {
            _asked.Writer.TryWrite(true);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Classes read from the directory: {Count} (memberships changed: {Changed})")]
    private partial void LogRefreshed(int count, bool changed);
}
